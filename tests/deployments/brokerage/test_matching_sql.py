"""Matching scored by PostgreSQL gives the answer the Python ranking gives (the algorithm before the database
did the work, kept for SQLite): every score, reason, distance, exclusion and order, on the demo data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import PartnershipSchool, School, Specialism, SystemLeader
from deployments.brokerage.matching import _rank_in_python, ranking, wanted_days
from deployments.brokerage.matching_sql import rank_in_sql
from deployments.models import OfferStatus, RequestNeed, SupportRequest
from portal.tenancy.models import Partnership
from tests.deployments.brokerage.test_matching import matching_world  # noqa: F401, F811 - a fixture
from tests.factories import OfferFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


def _shown(ranked, excluded):
    return ([(c.leader, c.score, c.distance_km, c.distance_approximate, c.flags, c.why) for c in ranked],
            [(c.leader, c.why_not) for c in excluded])


def _cases(partnership):
    """Every demo request's own question, and the partnership's schools asked a spread of other questions."""
    areas = list(Specialism.objects.filter(partnership=partnership).order_by("pk").values_list("pk", "group"))
    governance = [area for area in areas if area[1] == "governance"][:1]
    need_sets = [[], areas[:1], areas[1:4], areas[:2] + governance]
    for request in SupportRequest.objects.filter(partnership=partnership).select_related("school").order_by("pk"):
        needs = list(RequestNeed.objects.filter(request=request).values_list("specialism_id", "specialism__group"))
        yield request.school, needs, request.days_wanted, request.support_level, request.preferred_start, \
            request.preferred_end
    urns = PartnershipSchool.objects.filter(partnership=partnership).order_by("school_id").values_list("school_id",
                                                                                                      flat=True)[:12]
    leader_homes = SystemLeader.objects.filter(partnership=partnership).order_by("pk").values_list(
        "home_school_id", flat=True)[:3]
    for index, school in enumerate(School.objects.filter(urn__in=[*urns, *leader_homes]).order_by("urn")):
        for days in (None, Decimal(2), Decimal("4.5"), Decimal(30)):
            yield (school, need_sets[index % len(need_sets)], days,
                   ("targeted", "intensive", "")[index % 3], None, None)


def _compare(partnership, school, needs, days, level, start, end):
    """The SQL ranking against the Python one for one question: every row, then what the page asks for."""
    wanted = wanted_days(partnership=partnership, days_wanted=days, preferred_start=start, preferred_end=end)
    question = dict(partnership=partnership, school=school, need_ids=[n for n, _ in needs],
                    need_groups={g for _, g in needs}, wanted=wanted, support_level=level,
                    include_excluded=True, today=timezone.localdate())
    before = _rank_in_python(**question)
    after = rank_in_sql(**question, limit=None, excluded_limit=None, designation="", within_km=None)
    assert _shown(after.ranked, after.excluded) == _shown(*before), (partnership.slug, school.urn, needs)
    assert (after.ranked_count, after.excluded_count) == (len(before[0]), len(before[1]))
    return question, before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL ranking is PostgreSQL's")
def test_the_sql_ranking_is_the_python_ranking_on_the_demo_data():
    call_command("seed_demo", "--quiet-sign-ins")
    with scopes_disabled():
        partnerships = list(Partnership.objects.order_by("pk"))
    compared = 0
    for partnership in partnerships:
        with scope(partnership=partnership):
            for school, needs, days, level, start, end in list(_cases(partnership)):
                question, before = _compare(partnership, school, needs, days, level, start, end)
                # What the page asks for: the best few, the first excluded, a designation, a distance.
                for designation, within in (("", None), ("SLE", None), ("", 10.0), ("NLE", 25.5)):
                    shown = rank_in_sql(**question, limit=5, excluded_limit=3, designation=designation,
                                         within_km=within)
                    expected = [c for c in before[0] if (not designation or c.leader.designation == designation)
                                and (within is None or (c.distance_km is not None and c.distance_km <= within))]
                    assert _shown(shown.ranked, shown.excluded) == _shown(expected[:5], before[1][:3])
                    assert (shown.ranked_count, shown.excluded_count) == (len(expected), len(before[1]))
                compared += 1
    assert compared >= 100
    # The demo has leaders with coordinates, so distance counts in these scores.
    with scopes_disabled():
        assert School.objects.filter(easting__isnull=False, urn__in=SystemLeader.objects.values("home_school")).exists()


def test_the_ranking_keeps_its_limits_and_counts(partnership, matching_world):  # noqa: F811
    target, spec, _ = matching_world
    with scope(partnership=partnership):
        every = ranking(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                        need_groups={"teaching"}, days_wanted=Decimal(3), support_level="targeted")
        few = ranking(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                      need_groups={"teaching"}, days_wanted=Decimal(3), support_level="targeted", limit=1,
                      excluded_limit=1)
    assert every.ranked_count == len(every.ranked) >= 2 and every.excluded_count == len(every.excluded) >= 2
    assert few.ranked == every.ranked[:1] and few.excluded == every.excluded[:1]
    assert (few.ranked_count, few.excluded_count) == (every.ranked_count, every.excluded_count)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL ranking is PostgreSQL's")
def test_the_sql_ranking_follows_schools_and_leaders_that_change():
    """The SQL ranking judges and scores leaders by the copy of their home school's coordinates, trust and
    federation on their own row: after schools move, join or leave a trust or federation (bulk updates, as the
    imports make), and leaders change home school, it still gives the Python ranking's answer."""
    call_command("seed_demo", "--quiet-sign-ins")
    with scopes_disabled():
        partnership = Partnership.objects.order_by("pk").first()
        requests = list(SupportRequest.objects.filter(partnership=partnership).select_related("school").order_by("pk"))
        homes = list(SystemLeader.objects.filter(partnership=partnership).order_by("pk").values_list(
            "home_school_id", flat=True).distinct())
    targets = [request.school for request in requests[:3]]
    for index, target in enumerate(targets):
        School.objects.filter(urn=target.urn).update(trust_code=f"TR{index}", federation_code=f"FE{index}")
        # Some leaders' schools join the target's trust, others its federation; others move next door to it.
        School.objects.filter(urn__in=homes[index::6]).update(trust_code=f"TR{index}")
        School.objects.filter(urn__in=homes[index + 3::6]).update(federation_code=f"FE{index}", easting=None)
        School.objects.filter(urn__in=homes[index + 1::7]).update(easting=(target.easting or 500000) + 1500,
                                                                   northing=(target.northing or 200000) - 800)
    with scopes_disabled():
        movers = list(SystemLeader.objects.filter(partnership=partnership).order_by("pk")[:4])
    with scope(partnership=partnership):
        for leader, target in zip(movers, targets + [targets[0]], strict=False):
            leader.home_school_id = target.urn  # now at the school asking: excluded, however it is asked
            leader.save()
    compared = 0
    with scope(partnership=partnership):
        for request in requests[:6]:
            school = School.objects.get(urn=request.school_id)
            needs = list(RequestNeed.objects.filter(request=request).values_list("specialism_id", "specialism__group"))
            _, before = _compare(partnership, school, needs, request.days_wanted, request.support_level,
                                 request.preferred_start, request.preferred_end)
            assert before[1]
            compared += 1
    assert compared >= 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL ranking is PostgreSQL's")
def test_the_page_marks_who_is_offered_and_the_ranking_follows_capacity_and_consent(
        client, partnership, headteacher, broker, matching_world):  # noqa: F811
    """Whether a candidate shown has an open offer of this request comes with the ranking's own rows; the capacity
    and consent the statement reads from stored columns follow a leader's row however it is written."""
    target, spec, leaders = matching_world
    maths = spec["Mathematics"]
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, created_by=headteacher.user,
                                    needs=[maths], assigned_broker=broker.user)
    other = SupportRequestFactory(triaged=True, partnership=partnership, school=target, created_by=headteacher.user,
                                  needs=[maths], assigned_broker=broker.user)
    OfferFactory(partnership=partnership, request=request, leader=leaders["best"])
    OfferFactory(partnership=partnership, request=request, leader=leaders["half"], status=OfferStatus.DECLINED)
    OfferFactory(partnership=partnership, request=other, leader=leaders["twin"])
    client.force_login(broker.user)
    page = BeautifulSoup(client.get(f"/p/{partnership.slug}/requests/{request.pk}/candidates/").content, "html.parser")
    rows = page.select("#id_leaders tbody tr")
    assert {"Amy Best", "Ben Half", "Abe Twin"} <= {row.find("a").get_text() for row in rows}
    assert [row.find("a").get_text() for row in rows if row.find("strong", string="Offered")] == ["Amy Best"]
    with scopes_disabled():  # bulk updates: no save()
        SystemLeader.objects.filter(pk=leaders["half"].pk).update(capacity_days_per_term=Decimal("2.5"))
        SystemLeader.objects.filter(pk=leaders["no_consent"].pk).update(release_consent_by="Head",
                                                                          release_consent_on=date(2026, 1, 5))
        SystemLeader.objects.filter(pk=leaders["best"].pk).update(release_consent_by="")
    with scope(partnership=partnership):
        _, (ranked, excluded) = _compare(partnership, target, [(maths.pk, maths.group)], Decimal(3), "targeted",
                                         None, None)
    assert {"Ben Half", "Amy Best"} <= {c.leader.name for c in excluded}
    assert "Eve Noconsent" in {c.leader.name for c in ranked}
