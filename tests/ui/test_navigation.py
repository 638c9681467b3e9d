"""The menu marks at most one item as the current page (aria-current), the one that best matches the page: the
programme reports are "Programme reports", not also "Programmes", although both URL names begin the same way."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = [pytest.mark.django_db]


def _current(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select("a.govuk-service-navigation__link"), "the page has a menu"
    return [link.get_text(" ", strip=True) for link in soup.select("a.govuk-service-navigation__link[aria-current=page]")]


@pytest.mark.parametrize(("page", "expected"), [
    ("", ["Home"]),
    ("programmes/", ["Programmes"]),
    ("programme-reports/", ["Programme reports"]),
    ("requests/", ["Requests"]),
    ("notifications/", ["Notifications"]),
])
def test_one_menu_item_at_most_is_the_current_page(client, broker, page, expected):
    client.force_login(broker.user)
    assert _current(client, f"/p/{broker.partnership.slug}/{page}") == expected


def _switch_links(client, url):
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    return [link.get_text(strip=True) for link in soup.select("a") if link.get_text(strip=True) == "Switch partnership"]


def test_the_switcher_shows_only_with_another_active_membership_in_an_active_partnership(client, broker,
                                                                                         other_partnership):
    """The middleware reads whether there is one with the membership (no query of the layout's own)."""
    from portal.tenancy.roles import Role
    from tests.factories import make_member

    client.force_login(broker.user)
    home = f"/p/{broker.partnership.slug}/"
    assert _switch_links(client, home) == []
    other = make_member(other_partnership, Role.APPROVER, user=broker.user)
    assert _switch_links(client, home) == ["Switch partnership"] * 2  # the menu's link and the home page's
    other_partnership.is_active = False
    other_partnership.save()
    assert _switch_links(client, home) == []
    other_partnership.is_active = True
    other_partnership.save()
    other.is_active = False
    other.save()
    assert _switch_links(client, home) == []


def test_the_menu_is_each_partnerships_and_each_roles_own(client, broker, other_partnership):
    """The menu is built once for a role, a page and a partnership, and reused: another partnership gets its own
    addresses, another role its own items, and an item registered later shows up."""
    from portal.tenancy.roles import Role
    from portal.ui import navigation
    from tests.factories import make_member

    def menu(url):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        return [(link.get_text(" ", strip=True), link["href"]) for link in soup.select(
            "#navigation a.govuk-service-navigation__link")]

    client.force_login(broker.user)
    mine = menu(f"/p/{broker.partnership.slug}/")
    assert ("Home", f"/p/{broker.partnership.slug}/") in mine
    make_member(other_partnership, Role.HEADTEACHER, user=broker.user)
    theirs = menu(f"/p/{other_partnership.slug}/")
    assert ("Home", f"/p/{other_partnership.slug}/") in theirs
    assert all(other_partnership.slug in href for label, href in theirs if label not in {
        "Switch partnership", "Your account", "Sign out"})
    assert [label for label, _ in theirs] != [label for label, _ in mine]
    extra = navigation.NavItem("Test page", "tenant:ping", "partnership.view", 999)
    try:
        navigation.register_navigation(extra)
        assert ("Test page", f"/p/{broker.partnership.slug}/ping/") in menu(f"/p/{broker.partnership.slug}/")
    finally:
        navigation.NAVIGATION.remove(extra)
        navigation._menu.cache_clear()
