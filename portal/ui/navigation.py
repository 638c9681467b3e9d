"""The navigation each role sees inside a partnership.

The foundation lists its own pages; each feature app adds its sections in `AppConfig.ready()` with
`register_navigation`, so the foundation never names a feature app's pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from portal.tenancy.models import Membership


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # namespaced: "deployments:requests"
    capability: str
    position: int  # where it sits in the bar, smallest first


NAVIGATION: list[NavItem] = [
    NavItem("Home", "tenant:home", "partnership.view", 0),
    NavItem("Notifications", "tenant:notifications", "notifications.view", 10),
    NavItem("Term dates", "tenant:calendar", "calendar.manage", 100),
    NavItem("Members", "tenant:members", "members.manage", 110),
    NavItem("Activity", "tenant:activity", "audit.view", 120),
    NavItem("Settings", "tenant:settings", "settings.manage", 130),
]


def register_navigation(*items: NavItem) -> None:
    for item in items:
        if item not in NAVIGATION:
            NAVIGATION.append(item)
    NAVIGATION.sort(key=lambda item: item.position)


def _active(item: NavItem, current: str) -> bool:
    if current == item.url_name:
        return True
    if item.url_name == "tenant:home":
        return False
    # A section's own pages: "deployments:request_new" belongs to "deployments:requests".
    return current.startswith(item.url_name.rstrip("s"))


def navigation_for(request: HttpRequest, membership: Membership) -> list[dict]:
    slug = membership.partnership.slug
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [{"label": item.label, "url": reverse(item.url_name, kwargs={"partnership_slug": slug}),
             "active": _active(item, current)}
            for item in NAVIGATION if membership.can(item.capability)]
