"""Ranking system leaders for a request: scores with reasons, exclusions with reasons, fair ties, capacity left."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
    CalendarPeriodFactory,
    CapacityEntryFactory,
    DeploymentFactory,
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
        "Ian Empty": ["no capacity (0 days a term)"],
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
    # The term calendar, the conflicts declared and one statement that scores every leader (PostgreSQL).
    assert small == large == 3 and many == few + 200


def test_matching_counts_days_left_in_the_term_the_request_starts_and_past_outcomes(brokerage):
    from deployments.brokerage.matching import rank_for_request

    b = brokerage
    with scopes_disabled():
        b.leader.capacity_days_per_term = Decimal(3)
        b.leader.save()
    term = SchoolCalendar([]).term_for(b.request.preferred_start)
    with scope(partnership=b.partnership):
        before = {c.leader.pk: c for c in rank_for_request(b.request)[0]}
        assert f"3 days left in the {term.label.lower()} for 3 asked" in before[b.leader.pk].why
        declined = OfferFactory(request=b.request, leader=b.leader, offered_by=b.broker.user, expires_at=timezone.now(),
                                status=OfferStatus.DECLINED)
        CapacityEntryFactory(deployment=None, offer=declined, days=3, term_key=term.key)
        ranked, excluded = rank_for_request(b.request)
        assert b.leader.pk not in {c.leader.pk for c in ranked}
        assert f"no days left in the {term.label.lower()}" in {c.leader.pk: c for c in excluded}[b.leader.pk].why_not


# Matching and accepting agree on the terms (issue 12) -------------------------------------------------------------


def _year_2030_31(partnership) -> None:
    year = "2030-31"
    for kind, term, name, start, end in [
        ("term", "autumn", "Autumn term", date(2030, 9, 2), date(2030, 12, 20)),
        ("holiday", "", "Christmas holiday", date(2030, 12, 21), date(2031, 1, 5)),
        ("term", "spring", "Spring term", date(2031, 1, 6), date(2031, 3, 28)),
        ("holiday", "", "Easter holiday", date(2031, 3, 29), date(2031, 4, 13)),
        ("term", "summer", "Summer term", date(2031, 4, 14), date(2031, 7, 22)),
    ]:
        CalendarPeriodFactory(partnership=partnership, academic_year=year, kind=kind, term=term, name=name,
                              start=start, end=end)


def test_a_leader_shown_as_available_can_accept_and_one_full_in_a_requested_term_is_excluded(brokerage):
    """6 days from 2 December 2030 to 31 January 2031: 2 in the autumn term and 4 in the spring term."""
    from deployments import processes
    from deployments.brokerage import offers
    from deployments.brokerage.matching import rank_for_request
    from deployments.models import CapacityEntry, Offer

    b = brokerage
    _year_2030_31(b.partnership)
    home = b.leader.home_school
    member = make_member(b.partnership, "system_leader")
    full_in_spring = SystemLeaderFactory(partnership=b.partnership, name="Sue Springfull", home_school=home,
                                         capacity_days_per_term=Decimal(5), specialisms=[b.spec["Mathematics"]])
    full_in_autumn = SystemLeaderFactory(partnership=b.partnership, name="Al Autumnfull", home_school=home,
                                         capacity_days_per_term=Decimal(5), specialisms=[b.spec["Mathematics"]])
    free = SystemLeaderFactory(partnership=b.partnership, name="Fran Free", home_school=home, user=member.user,
                               capacity_days_per_term=Decimal(5), specialisms=[b.spec["Mathematics"]])
    with scopes_disabled():
        SystemLeader.objects.filter(pk__in=[b.leader.pk, b.other_leader.pk]).update(capacity_days_per_term=0)
        for leader, term_key in [(full_in_spring, "2030-31 spring"), (full_in_autumn, "2030-31 autumn")]:
            CapacityEntryFactory(partnership=b.partnership, deployment=None, offer=OfferFactory(
                partnership=b.partnership, request=b.request, leader=leader, offered_by=b.broker.user,
                expires_at=timezone.now(), status=OfferStatus.DECLINED), days=4, term_key=term_key)
        type(b.request).objects.filter(pk=b.request.pk).update(
            days_wanted=6, preferred_start=date(2030, 12, 2), preferred_end=date(2031, 1, 31))
    with scope(partnership=b.partnership):
        request = type(b.request).objects.select_related("school").get(pk=b.request.pk)
        ranked, excluded = rank_for_request(request)
        assert [c.leader.name for c in ranked] == ["Fran Free"]
        assert "2 days left in the autumn term 2030 for 2 asked" not in ranked[0].why
        assert "5 days left in the autumn term 2030 for 2 asked" in ranked[0].why
        assert "5 days left in the spring term 2031 for 4 asked" in ranked[0].why
        why_not = {c.leader.name: c.why_not for c in excluded}
        assert why_not["Sue Springfull"] == ["only 1 day left in the spring term 2031 for 4 asked"]
        assert why_not["Al Autumnfull"] == ["only 1 day left in the autumn term 2030 for 2 asked"]
        # The leader shown as available accepts, and the hold is exactly what matching scored.
        [offer] = offers.make_offers(actor=b.broker, request=request, leaders=[free])
        processes.accept_offer(actor=member, offer=Offer.objects.get(pk=offer.pk))
        held = dict(CapacityEntry.objects.filter(offer=offer).values_list("term_key", "days"))
    assert held == {"2030-31 autumn": Decimal(2), "2030-31 spring": Decimal(4)}


def test_every_leader_ranked_for_a_two_term_request_can_accept_it(brokerage):
    """Whoever the broker picks from the ranked list, accepting never fails on capacity."""
    from deployments import processes
    from deployments.brokerage import offers
    from deployments.brokerage.matching import rank_for_request
    from deployments.models import Offer

    b = brokerage
    _year_2030_31(b.partnership)
    with scopes_disabled():
        type(b.request).objects.filter(pk=b.request.pk).update(
            days_wanted=Decimal(8), preferred_start=date(2030, 12, 2), preferred_end=date(2031, 1, 31))
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal("5.5"))
        SystemLeader.objects.filter(pk=b.other_leader.pk).update(capacity_days_per_term=Decimal(6))
    with scope(partnership=b.partnership):
        request = type(b.request).objects.select_related("school").get(pk=b.request.pk)
        ranked, excluded = rank_for_request(request)
        # 8 days: 2.5 in autumn and 5.5 in spring (15 and 30 weekdays, in half days): both fit, Amy exactly.
        assert {c.leader.pk for c in ranked} == {b.leader.pk, b.other_leader.pk}
        [offer] = offers.make_offers(actor=b.broker, request=request, leaders=[b.leader])
        processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))


# The tie rule with real deployment history -----------------------------------------------------------------------


def test_ties_go_to_the_leader_deployed_least_recently_by_real_completed_deployments(partnership, matching_world):
    """Abe Twin and Amy Best score the same. Each completed one deployment: Abe's began in January and ended in
    March; Amy's began later, in February, but ran until July. Amy was deployed more recently, so Abe wins,
    whatever their names; with no history at all, the name decides."""
    from deployments.models import DeploymentStatus

    target, spec, leaders = matching_world
    year = timezone.localdate().year - 1
    for leader, start, closed in [(leaders["twin"], date(year, 1, 10), date(year, 3, 20)),
                                  (leaders["best"], date(year, 2, 1), date(year, 7, 15))]:
        DeploymentFactory(partnership=partnership, leader=leader, status=DeploymentStatus.COMPLETED, start_date=start,
                          end_date=date(year, 7, 20),
                          closed_at=datetime.combine(closed, time(12), tzinfo=timezone.get_current_timezone()))

    def ranked():
        with scope(partnership=partnership):
            result, _ = rank_candidates(
                partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk, spec["Assessment and moderation"].pk],
                need_groups={"teaching", "assessment"}, days_wanted=Decimal(4), support_level="targeted")
        return result

    first, second = ranked()[:2]
    assert first.score == second.score
    assert [first.leader.name, second.leader.name] == ["Abe Twin", "Amy Best"]
    assert f"last deployed 20 March {year}" in first.why and f"last deployed 15 July {year}" in second.why
    # Swap the histories: now Amy was deployed least recently and wins the tie over the name.
    with scopes_disabled():
        from deployments.models import Deployment

        Deployment.objects.filter(leader=leaders["twin"]).update(closed_at=datetime(year, 8, 1, 12, tzinfo=UTC))
    first, second = ranked()[:2]
    assert first.score == second.score
    assert [first.leader.name, second.leader.name] == ["Amy Best", "Abe Twin"]


def test_a_leader_deployed_now_is_more_recent_than_one_whose_later_starting_work_has_ended(partnership, matching_world):
    from deployments.models import DeploymentStatus

    target, spec, leaders = matching_world
    today = timezone.localdate()
    # Abe has been on long support since last year and still is; Amy's short piece started later and is over.
    # Each also completed one piece of work long ago, so their outcomes score the same.
    for leader in (leaders["twin"], leaders["best"]):
        DeploymentFactory(partnership=partnership, leader=leader, status=DeploymentStatus.COMPLETED,
                          start_date=today - timedelta(days=700), end_date=today - timedelta(days=600),
                          closed_at=timezone.now() - timedelta(days=600))
    DeploymentFactory(partnership=partnership, leader=leaders["twin"], status=DeploymentStatus.ACTIVE,
                      start_date=today - timedelta(days=300), end_date=today + timedelta(days=60))
    DeploymentFactory(partnership=partnership, leader=leaders["best"], status=DeploymentStatus.COMPLETED,
                      start_date=today - timedelta(days=100), end_date=today - timedelta(days=40),
                      closed_at=timezone.now() - timedelta(days=40))
    with scope(partnership=partnership):
        ranked, _ = rank_candidates(
            partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk, spec["Assessment and moderation"].pk],
            need_groups={"teaching", "assessment"}, days_wanted=Decimal(4), support_level="targeted")
    by_name = {c.leader.name: c for c in ranked}
    assert by_name["Abe Twin"].score == by_name["Amy Best"].score
    assert [c.leader.name for c in ranked[:2]] == ["Amy Best", "Abe Twin"]
    assert any(reason.startswith("deployed until") for reason in by_name["Abe Twin"].why)


# Designation reviews (issue 15): overdue leaders flagged or excluded, de-designated leaders never shown ------------


def _rank_maths(partnership, target, spec, today=None):
    with scope(partnership=partnership):
        return rank_candidates(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                               need_groups={"teaching"}, days_wanted=Decimal(2), support_level="targeted", today=today)


def test_a_leader_whose_designation_review_is_overdue_is_flagged_when_the_partnership_says_flag(partnership,
                                                                                            matching_world):
    target, spec, leaders = matching_world
    today = date(2027, 3, 1)
    with scopes_disabled():
        SystemLeader.objects.filter(pk=leaders["best"].pk).update(review_due=date(2027, 2, 28))
        SystemLeader.objects.filter(pk=leaders["half"].pk).update(review_due=today)  # due today: not yet overdue
    assert partnership.overdue_leaders_in_matching == "flag"
    ranked, excluded = _rank_maths(partnership, target, spec, today=today)
    flags = {c.leader.name: c.flags for c in ranked}
    assert flags["Amy Best"] == ("Designation review overdue",)
    assert flags["Ben Half"] == () and flags["Abe Twin"] == ()
    assert "Amy Best" not in {c.leader.name for c in excluded}


def test_a_leader_whose_designation_review_is_overdue_is_left_out_when_the_partnership_says_exclude(partnership,
                                                                                                matching_world):
    target, spec, leaders = matching_world
    today = date(2027, 3, 1)
    with scopes_disabled():
        SystemLeader.objects.filter(pk=leaders["best"].pk).update(review_due=date(2027, 2, 28))
    partnership.overdue_leaders_in_matching = "exclude"
    partnership.save(update_fields=["overdue_leaders_in_matching"])
    ranked, excluded = _rank_maths(partnership, target, spec, today=today)
    assert "Amy Best" not in {c.leader.name for c in ranked}
    assert {c.leader.name: c.why_not for c in excluded}["Amy Best"] == ["designation review overdue (due 28 February 2027)"]


def test_de_designated_leaders_never_appear_in_matching_nor_can_be_offered(client, partnership, headteacher, broker,
                                                                          matching_world):
    target, spec, leaders = matching_world
    with scopes_disabled():
        SystemLeader.objects.filter(pk=leaders["best"].pk).update(status="de_designated")
    ranked, excluded = _rank_maths(partnership, target, spec)
    assert leaders["best"].pk not in {c.leader.pk for c in [*ranked, *excluded]}
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, created_by=headteacher.user,
                                    needs=[spec["Mathematics"]], assigned_broker=broker.user)
    client.force_login(broker.user)
    base = f"/p/{partnership.slug}/requests/{request.pk}"
    assert "Amy Best" not in client.get(f"{base}/candidates/").content.decode()
    response = client.post(f"{base}/offer/", {"leaders": [leaders["best"].pk], "override_reason": "We know her"})
    with scopes_disabled():
        from deployments.models import Offer
        assert not Offer.objects.filter(leader=leaders["best"]).exists()
    assert response.status_code in (200, 302)


def test_the_candidates_page_shows_the_overdue_flag_with_the_same_queries(client, partnership, headteacher, broker,
                                                                          matching_world):
    from tests.deployments.conftest import count_and_parse

    target, spec, leaders = matching_world
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, created_by=headteacher.user,
                                    needs=[spec["Mathematics"]], assigned_broker=broker.user)
    url = f"/p/{partnership.slug}/requests/{request.pk}/candidates/"
    before, _ = count_and_parse(client, url, broker.user)
    yesterday = timezone.localdate() - timedelta(days=1)
    with scopes_disabled():
        SystemLeader.objects.filter(pk__in=[leaders["best"].pk, leaders["half"].pk]).update(
            designated_on=yesterday - timedelta(days=1500), review_due=yesterday)
    after, page = count_and_parse(client, url, broker.user)
    assert before == after
    flagged = [row.find("a").get_text() for row in page.select("#id_leaders tbody tr")
               if row.find("strong", string="Designation review overdue")]
    assert flagged == ["Amy Best", "Ben Half"]
