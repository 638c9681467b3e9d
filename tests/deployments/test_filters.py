"""Searching and filtering the brokerage's lists (requests, offers, deployments) through the shared mechanism:
by school name or URN, person, reference, status, LA, cluster and term; bad values are explained, not dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import LocalAuthority
from deployments.models import Offer
from portal.ui.filtering import Reference, parse_reference, search_q
from tests.deployments.conftest import count_and_parse, deployment_for, triaged_request
from tests.factories import ClusterFactory, SchoolFactory, SupportRequestFactory, UserFactory
from tests.pages import parsed, table_rows


def test_references_urns_and_names_become_database_lookups():
    assert parse_reference("R00003") == Reference("R", 3)
    assert parse_reference(" d 12 ") == Reference("D", 12)
    assert parse_reference("Bewick") is None and parse_reference("110234") is None
    assert search_q("  ") is None
    assert str(search_q("R00003", text=("school__name",), references={"R": "pk"})) == "(AND: ('pk', 3))"
    assert str(search_q("110234", text=("school__name",), urn="school")) == "(AND: ('school', '110234'))"
    # A reference this list does not know is searched as text; every word must match some field.
    q = search_q("X9 Bridge", text=("school__name", "created_by__name"), references={"R": "pk"})
    assert str(q).count("icontains") == 4


@pytest.fixture
def requests_world(partnership, headteacher, broker):
    """Three sent requests: Histon's (by the persona head), Bewick Bridge's (in a cluster) and Drayton Manor's
    (in Ealing, sent last year)."""
    ealing, _ = LocalAuthority.objects.get_or_create(code="307", defaults={"name": "Ealing"})
    bewick = SchoolFactory(urn="110640", name="Bewick Bridge Community Primary School")
    drayton = SchoolFactory(urn="101932", name="Drayton Manor High School", la=ealing)
    with scopes_disabled():
        histon_request = SupportRequestFactory(partnership=partnership, school=headteacher.schools.get(),
                                               created_by=headteacher.user)
        bewick_request = SupportRequestFactory(partnership=partnership, school=bewick,
                                               created_by=UserFactory(name="Priya Patel"), triaged=True)
        drayton_request = SupportRequestFactory(partnership=partnership, school=drayton,
                                                submitted_at=timezone.now() - timedelta(days=400))
        cluster = ClusterFactory(partnership=partnership, name="Fenland triad", schools=[bewick],
                                 academic_year="2026-27")
    return {"histon": histon_request, "bewick": bewick_request, "drayton": drayton_request, "cluster": cluster}


def _schools(client, url, params) -> list[str]:
    page = parsed(client.get(url, params))
    if not page.select("table"):
        return []
    return sorted(row[1] for row in table_rows(page, "Support requests"))


@pytest.mark.parametrize("params, expected", [
    ({"q": "bewick"}, ["Bewick Bridge Community Primary School"]),  # the example: a name, not a URN
    ({"q": "110640"}, ["Bewick Bridge Community Primary School"]),
    ({"q": "priya"}, ["Bewick Bridge Community Primary School"]),  # the person who asked
    ({"q": "manor high"}, ["Drayton Manor High School"]),
    ({"status": "triaged"}, ["Bewick Bridge Community Primary School"]),
    ({"la": "307"}, ["Drayton Manor High School"]),
    ({"q": "school", "la": "873"}, ["Bewick Bridge Community Primary School", "Histon and Impington Junior School"]),
])
def test_the_broker_searches_and_filters_requests(client, broker, requests_world, params, expected):
    client.force_login(broker.user)
    assert _schools(client, f"/p/{broker.partnership.slug}/requests/", params) == expected


def test_requests_by_reference_cluster_and_term(client, broker, requests_world):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/requests/"
    drayton = requests_world["drayton"]
    assert _schools(client, url, {"q": drayton.reference}) == ["Drayton Manor High School"]
    assert _schools(client, url, {"cluster": requests_world["cluster"].pk}) == ["Bewick Bridge Community Primary School"]
    page = parsed(client.get(url))
    terms = [option["value"] for option in page.select("select[name=term] option") if option["value"]]
    current = [key for key in terms if _schools(client, url, {"term": key})]
    assert current, "this term's requests are found by some term"
    assert "Drayton Manor High School" not in _schools(client, url, {"term": current[0]})


@pytest.mark.parametrize("params, field", [
    ({"status": "abc"}, "status"), ({"la": "abc"}, "la"), ({"cluster": "999999"}, "cluster"),
    ({"term": "2026-27 winter"}, "term"),
])
def test_a_bad_filter_value_is_explained_and_shows_nothing_rather_than_everything(client, broker, requests_world,
                                                                                  params, field):
    client.force_login(broker.user)
    page = parsed(client.get(f"/p/{broker.partnership.slug}/requests/", params))
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None and "Choose one of the options in the list" in summary.get_text()
    assert page.select_one(f"#id_{field}-error") is not None or page.select_one(f"#{'id_' + field}") is not None
    assert page.title.get_text().startswith("Error: ")
    assert not page.select("table")  # the list is empty, not silently unfiltered
    assert "No requests match these filters" in page.main.get_text(" ", strip=True)


def test_another_partnerships_cluster_is_not_a_filter(client, broker, requests_world, other_partnership):
    with scopes_disabled():
        theirs = ClusterFactory(partnership=other_partnership, name="Theirs")
    client.force_login(broker.user)
    page = parsed(client.get(f"/p/{broker.partnership.slug}/requests/", {"cluster": theirs.pk}))
    assert page.select_one(".govuk-error-summary") is not None and not page.select("table")


def test_the_headteachers_list_is_searchable_and_keeps_to_their_schools(client, headteacher, requests_world):
    client.force_login(headteacher.user)
    url = f"/p/{headteacher.partnership.slug}/requests/"
    assert _schools(client, url, {}) == ["Histon and Impington Junior School"]
    assert _schools(client, url, {"q": "bewick"}) == []
    assert _schools(client, url, {"q": "histon"}) == ["Histon and Impington Junior School"]


def test_pagination_keeps_the_filters(client, partnership, broker, headteacher):
    with scopes_disabled():
        for _ in range(27):
            SupportRequestFactory(partnership=partnership, school=headteacher.schools.get(), created_by=headteacher.user)
    client.force_login(broker.user)
    page = parsed(client.get(f"/p/{partnership.slug}/requests/", {"q": "histon", "status": "submitted"}))
    following = page.select_one(".govuk-pagination__next a")["href"]
    assert "q=histon" in following and "status=submitted" in following and "page=2" in following


def test_the_requests_list_makes_the_same_queries_filtered_or_not_with_more_data(client, broker, requests_world,
                                                                                 partnership, headteacher):
    url = f"/p/{partnership.slug}/requests/"
    variants = ["", "?q=bewick", "?q=R00001&status=submitted", f"?la=873&cluster={requests_world['cluster'].pk}",
                "?term=2026-27+autumn&sort=-sent"]
    small = [count_and_parse(client, url + v, broker.user)[0] for v in variants]
    with scopes_disabled():
        for n in range(20):
            SupportRequestFactory(partnership=partnership, school=SchoolFactory(name=f"Bewick {n}"))
    large = [count_and_parse(client, url + v, broker.user)[0] for v in variants]
    # 13 unfiltered: session, membership, partnership, navigation and notification badge, the term dates, the LAs
    # and clusters offered, the count and the page of rows; a chosen LA and cluster are each looked up once more.
    assert small == large, list(zip(variants, small, large, strict=True))


def test_deployments_and_offers_are_searched_by_leader_reference_and_school(client, brokerage):
    b = brokerage
    deployment = deployment_for(b, b.request)
    other = deployment_for(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()), approve=False)
    client.force_login(b.broker.user)
    url = f"/p/{b.partnership.slug}/deployments/"

    def references(params):
        page = parsed(client.get(url, params))
        return sorted(row[0] for row in table_rows(page, "Deployments")) if page.select("table") else []

    assert references({"q": deployment.reference}) == [deployment.reference]
    assert references({"q": b.request.reference}) == [deployment.reference]
    assert references({"q": "amy best"}) == sorted([deployment.reference, other.reference])
    assert references({"q": "Histon", "status": "proposed"}) == [other.reference]
    assert references({"q": "nobody like this"}) == []
    bad = parsed(client.get(url, {"status": "nonsense"}))
    assert bad.select_one(".govuk-error-summary") is not None and not bad.select("table")
    client.force_login(b.leader_member.user)
    offers_url = f"/p/{b.partnership.slug}/offers/"
    with scopes_disabled():
        offer = Offer.objects.filter(leader=b.leader).first()
    found = parsed(client.get(offers_url, {"q": offer.reference}))
    assert [row[0] for row in table_rows(found, "Offers you have answered")] == [
        f"Histon and Impington Junior School ({offer.request.reference})"]
    bad = parsed(client.get(offers_url, {"la": "abc"}))
    assert bad.select_one(".govuk-error-summary") is not None and not bad.select("table")
