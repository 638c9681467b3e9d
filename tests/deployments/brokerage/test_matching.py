"""Ranking system leaders for a request: scores with reasons, exclusions with reasons, fair ties, capacity left."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import Phase, SystemLeader
from deployments.brokerage.matching import rank_candidates
from deployments.models import OfferStatus
from portal.calendar.schooldays import SchoolCalendar
from tests.factories import (
    CapacityEntryFactory,
    OfferFactory,
    SchoolFactory,
    SupportRequestFactory,
    SystemLeaderFactory,
    bulk,
    default_specialisms,
    make_member,
)


@pytest.fixture
def matching_world(partnership):
    """Bewick Bridge asks; ten leaders, four who fit (two tie) and six each excluded for one reason."""
    target = SchoolFactory(urn="110746", name="Bewick Bridge Community Primary School", easting=547_000,
                           northing=257_000, trust_code="T1")
    near = SchoolFactory(urn="110750", name="St Matthew's Primary School", easting=546_000, northing=258_000)
    far = SchoolFactory(urn="136442", name="Linton Village College", phase=Phase.SECONDARY, easting=556_000,
                        northing=246_000)
    same_trust = SchoolFactory(urn="110801", name="Trust sibling", phase="", easting=547_100, northing=257_100,
                               trust_code="T1")
    spec = default_specialisms(partnership)

    def leader(name, home, specialisms=(), **extra):
        return SystemLeaderFactory(partnership=partnership, name=name, home_school=home,
                                   specialisms=[spec[s] for s in specialisms], **{"capacity_days_per_term": Decimal(5), **extra})

    leaders = {
        "best": leader("Amy Best", near, specialisms=["Mathematics", "Assessment and moderation"]),
        "half": leader("Ben Half", near, specialisms=["Mathematics"]),
        "far": leader("Cara Far", far, specialisms=["Mathematics", "Assessment and moderation"], phase_primary=False,
                      phase_secondary=True),
        "twin": leader("Abe Twin", near, specialisms=["Mathematics", "Assessment and moderation"]),
        "paused": leader("Dan Paused", near, status="paused"),
        "no_consent": leader("Eve Noconsent", near, release_consent_by="", release_consent_on=None),
        "own": leader("Fay Own", target),
        "trust": leader("Gus Trust", same_trust),
        "conflict": leader("Hal Conflict", near, conflicts="Governor at Bewick Bridge Community Primary School"),
        "empty": leader("Ian Empty", near, capacity_days_per_term=Decimal(0)),
    }
    return target, spec, leaders


def test_candidates_are_ranked_with_reasons_and_ties_go_by_name(partnership, matching_world):
    target, spec, leaders = matching_world
    with scope(partnership=partnership):
        ranked, excluded = rank_candidates(
            partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk, spec["Assessment and moderation"].pk],
            need_groups={"teaching", "assessment"}, days_wanted=Decimal(4), support_level="targeted")
    names = [c.leader.name for c in ranked]
    assert names == ["Abe Twin", "Amy Best", "Ben Half", "Cara Far"]  # the twins tie and go by name
    best = ranked[1]
    assert best.score == ranked[0].score
    assert "covers 2 of 2 need areas" in best.why and "works in primary" in best.why and "1.4 km away" in best.why
    assert ranked[2].score < best.score and "covers 1 of 2 need areas" in ranked[2].why
    assert "does not list primary" in ranked[3].why
    why_not = {c.leader.name: c.why_not for c in excluded}
    assert why_not == {
        "Dan Paused": ["not active (paused)"],
        "Eve Noconsent": ["no release consent from their home school's head"],
        "Fay Own": ["works at this school"],
        "Gus Trust": ["their school is in the same trust"],
        "Hal Conflict": ["declared a conflict of interest with this school"],
        "Ian Empty": ["no capacity this term"],
    }


def test_heads_are_preferred_for_leadership_and_intensive_support(partnership, matching_world):
    target, spec, leaders = matching_world
    with scopes_disabled():
        SystemLeader.objects.filter(pk=leaders["half"].pk).update(designation="NLE")
    with scope(partnership=partnership):
        targeted, _ = rank_candidates(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                                      need_groups={"teaching"}, days_wanted=Decimal(2), support_level="targeted")
        intensive, _ = rank_candidates(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                                       need_groups={"teaching"}, days_wanted=Decimal(2), support_level="intensive")
    score = {c.leader.name: c.score for c in targeted}
    assert score["Ben Half"] < score["Amy Best"]
    score = {c.leader.name: c.score for c in intensive}
    assert score["Ben Half"] > score["Amy Best"]


def test_the_candidates_page_shows_scores_reasons_and_exclusions(client, partnership, headteacher, broker, matching_world):
    target, spec, leaders = matching_world
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, created_by=headteacher.user,
                                    needs=[spec["Mathematics"]], assigned_broker=broker.user)
    client.force_login(broker.user)
    url = f"/p/{partnership.slug}/requests/{request.pk}/candidates/"
    page = client.get(url).content.decode()
    assert "Amy Best" in page and "covers 1 of 1 need areas" in page and "works at this school" in page
    response = client.get(url, {"within_km": "5"})
    assert response.status_code == 200
    near_only = response.content.decode()
    assert "Cara Far" not in near_only.split("Not considered")[0] and "Amy Best" in near_only
    for bad, message in (({"within_km": "lots"}, "Enter a distance in kilometres"),
                         ({"within_km": "-5"}, "Enter a distance of more than 0 km"),
                         ({"designation": "XYZ"}, "Choose one of the options in the list")):
        page = BeautifulSoup(client.get(url, bad).content, "html.parser")
        assert message in page.select_one(".govuk-error-summary").get_text()  # explained, not silently dropped
        assert page.select_one("#id_leaders") is None  # nobody listed rather than everybody
    client.force_login(make_member(partnership, "la_officer").user)
    assert client.get(url).status_code == 403


def test_ranking_uses_the_same_queries_for_ten_or_two_hundred_leaders(partnership, matching_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target, spec, leaders = matching_world

    def count():
        with scope(partnership=partnership), CaptureQueriesContext(connection) as ctx:
            ranked, _ = rank_candidates(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                                        need_groups={"teaching"}, days_wanted=Decimal(3), support_level="targeted")
            [c.why for c in ranked]  # the reasons are built from what was already loaded
        return len(ctx.captured_queries), len(ranked)

    small, few = count()
    bulk(SystemLeaderFactory, 200, partnership=partnership, home_school=leaders["best"].home_school,
         capacity_days_per_term=3, phase_primary=False)
    large, many = count()
    assert small == large == 5 and many == few + 200


def test_matching_counts_days_left_this_term_and_past_outcomes(brokerage):
    from deployments.brokerage.matching import rank_for_request

    b = brokerage
    with scopes_disabled():
        b.leader.capacity_days_per_term = Decimal(3)
        b.leader.save()
    with scope(partnership=b.partnership):
        before = {c.leader.pk: c for c in rank_for_request(b.request)[0]}
        assert "3 days left this term for 3 asked" in before[b.leader.pk].why
        declined = OfferFactory(request=b.request, leader=b.leader, offered_by=b.broker.user, expires_at=timezone.now(),
                                status=OfferStatus.DECLINED)
        CapacityEntryFactory(deployment=None, offer=declined, days=3,
                             term_key=SchoolCalendar([]).term_for(timezone.localdate()).key)
        ranked, excluded = rank_for_request(b.request)
        assert b.leader.pk not in {c.leader.pk for c in ranked}
        assert "no days left this term" in {c.leader.pk: c for c in excluded}[b.leader.pk].why_not
