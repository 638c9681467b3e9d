"""The navigation each role sees inside a partnership. Later issues add their sections here."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from portal.tenancy.models import Membership


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: str


NAVIGATION = [
    NavItem("Home", "tenant:home", "partnership.view"),
    NavItem("Notifications", "tenant:notifications", "notifications.view"),
    NavItem("Requests", "tenant:requests", "requests.view"),
    NavItem("Offers", "tenant:offers", "offers.respond"),
    NavItem("Deployments", "tenant:deployments", "deployments.view"),
    NavItem("Dashboards", "tenant:dashboard", "dashboards.view"),
    NavItem("Schools", "tenant:schools", "directory.view"),
    NavItem("System leaders", "tenant:leaders", "directory.view"),
    NavItem("Clusters", "tenant:clusters", "directory.view"),
    NavItem("My profile", "tenant:own_profile", "profile.edit_own"),
    NavItem("Term dates", "tenant:calendar", "calendar.manage"),
    NavItem("Members", "tenant:members", "members.manage"),
    NavItem("Activity", "tenant:activity", "audit.view"),
    NavItem("Settings", "tenant:settings", "settings.manage"),
]


def navigation_for(request: HttpRequest, membership: Membership) -> list[dict]:
    slug = membership.partnership.slug
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for item in NAVIGATION:
        if not membership.can(item.capability):
            continue
        url = reverse(item.url_name, kwargs={"partnership_slug": slug})
        section = item.url_name.split(":")[1]
        active = current == item.url_name or (section != "home" and current.startswith(f"tenant:{section.rstrip('s')}"))
        active = active or (section == "leaders" and current.startswith("tenant:leader"))
        items.append({"label": item.label, "url": url, "active": active})
    return items
