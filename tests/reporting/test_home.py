"""The LA officer's home (their LAs' headline figures, what changed since their last visit) and the platform
operator's home."""

from __future__ import annotations

from django.test import Client
from django_scopes import scope

from deployments import processes
from deployments.models import Deployment
from tests.deployments.conftest import active, count_and_parse, triaged_request
from tests.factories import UserFactory
from tests.pages import parsed


def _changes(page) -> list[str]:
    found = page.select_one("ul[aria-label='Changes at schools in your local authorities']")
    return [li.a.get_text(" ", strip=True) if li.a else li.contents[0].strip() for li in found.select("li")] if found else []


def test_the_la_officers_home_shows_their_figures_and_what_changed_since_their_last_visit(client, brokerage, la_officer):
    b = brokerage
    deployment = active(b)
    home = f"/p/{b.partnership.slug}/"
    client.force_login(la_officer.user)
    page = parsed(client.get(home))
    text = page.main.get_text(" ", strip=True)
    assert "Your local authorities" in text and "For schools in Cambridgeshire." in text
    assert "1 deployment under way" in text
    assert page.find("h2", string="In the last two weeks") is not None  # a first visit
    assert _changes(page) == ["Histon and Impington Junior School: support started"]
    # Reloading in the same session keeps the same list.
    assert _changes(parsed(client.get(home))) == ["Histon and Impington Junior School: support started"]
    # The next session: only what happened since.
    with scope(partnership=b.partnership):
        processes.complete_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk),
                                      summary="Done.")
    later = Client()
    later.force_login(la_officer.user)
    page = parsed(later.get(home))
    assert page.find("h2", string=lambda s: s and s.startswith("Since your last visit on")) is not None
    assert _changes(page) == ["Histon and Impington Junior School: support completed"]


def test_changes_outside_the_officers_las_are_not_shown(client, brokerage, la_officer):
    la_officer.local_authorities.clear()
    active(brokerage)
    client.force_login(la_officer.user)
    page = parsed(client.get(f"/p/{brokerage.partnership.slug}/"))
    assert _changes(page) == []
    assert "Nothing has changed at schools in your local authorities" in page.main.get_text(" ", strip=True)


def test_only_la_officers_get_the_la_section(client, brokerage):
    client.force_login(brokerage.broker.user)
    assert "Your local authorities" not in parsed(client.get(f"/p/{brokerage.partnership.slug}/")).main.get_text()


def test_the_la_officers_home_makes_the_same_queries_with_more_changes(client, brokerage, la_officer):
    b = brokerage
    active(b)
    url = f"/p/{b.partnership.slug}/"
    count_and_parse(client, url, la_officer.user)  # the first visit is recorded (an UPDATE); the next minute's are not
    small, _ = count_and_parse(client, url, la_officer.user)
    for _ in range(3):
        request = triaged_request(b.head, b.broker, b.spec)
        with scope(partnership=b.partnership):
            processes.withdraw_request(actor=b.head, request=request, reason="Not now")
    large, page = count_and_parse(client, url, la_officer.user)
    assert small == large


def test_a_platform_operator_gets_an_operators_home_not_advice_to_ask_a_coordinator(client, db):
    operator = UserFactory(is_staff=True, name="Olu Operator")
    client.force_login(operator)
    for url in ("/", "/partnerships/"):
        page = parsed(client.get(url))
        text = page.main.get_text(" ", strip=True)
        assert page.h1.get_text(strip=True) == "Platform operations"
        assert "coordinator" not in text
        links = {a.get_text(" ", strip=True): a["href"] for a in page.main.select("a")}
        assert links["Import school data"] == "/platform/imports/"
        assert links["Create a partnership and invite its first admin"] == "/admin/portal/partnership/add/"


def test_an_account_without_a_partnership_is_still_told_to_ask_for_an_invitation(client, db):
    client.force_login(UserFactory())
    assert "coordinator to invite" in parsed(client.get("/partnerships/")).main.get_text(" ", strip=True)
