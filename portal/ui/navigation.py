"""The navigation each role sees inside a partnership.

The foundation lists its own pages; each feature app adds its sections in `AppConfig.ready()` with
`register_navigation`, so the foundation never names a feature app's pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from portal.tenancy.models import Membership
from portal.tenancy.roles import role_can


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
    _menu.cache_clear()
    _allowed.cache_clear()


def _match(item: NavItem, current: str) -> int:
    """How well the page matches a menu item: its whole name beats a prefix, a longer prefix a shorter one, 0 none."""
    if current == item.url_name:
        return 10_000
    if item.url_name == "tenant:home":
        return 0
    # A section's own pages: "deployments:request_new" belongs to "deployments:requests".
    prefix = item.url_name.rstrip("s")
    return len(prefix) if current.startswith(prefix) else 0


def navigation_for(request: HttpRequest, membership: Membership) -> list[dict]:
    """The member's menu, with at most one item current: the best match ("programmes:programme_reports" is
    Programme reports, not Programmes, although both names begin "programmes:programme")."""
    current = request.resolver_match.view_name if request.resolver_match else ""
    allowed = _allowed(membership.role, membership.is_active, tuple(item.capability for item in NAVIGATION))
    menu = _menu(allowed, membership.partnership.slug, current, get_urlconf(), get_script_prefix())
    return [dict(entry) for entry in menu]


@lru_cache(maxsize=256)
def _allowed(role: str, is_active: bool, capabilities: tuple[str, ...]) -> tuple[bool, ...]:
    """Which items a role sees: `Membership.can` (active, and the role has the capability) for each, once a role
    and menu (it was asked about every item on every page). The items' capabilities are part of the key, so a menu
    changed without `register_navigation` (a test removing its item) is never answered for the old one."""
    return tuple(is_active and role_can(role, capability) for capability in capabilities)


@lru_cache(maxsize=2048)
def _menu(allowed: tuple[bool, ...], slug: str, current: str, urlconf, prefix: str) -> tuple[dict, ...]:
    """The menu for one set of capabilities on one page of one partnership: the same every time (the addresses
    depend on the URL configuration and the script prefix too, so they are part of the key), so built once."""
    items = [item for item, shown in zip(NAVIGATION, allowed, strict=True) if shown]
    scores = [_match(item, current) for item in items]
    best = max(scores, default=0)
    return tuple({"label": item.label, "url": reverse(item.url_name, kwargs={"partnership_slug": slug}),
                  "active": best > 0 and score == best and scores.index(best) == index}
                 for index, (item, score) in enumerate(zip(items, scores, strict=True)))
