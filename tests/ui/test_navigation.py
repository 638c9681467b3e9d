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
