"""Demo history for the dashboards: a year and a term of support in the Cambridgeshire network, as if carried
over from the spreadsheets the portal replaces (so it has no timeline of its own). Safe to run twice."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from alliances.models import ClusterSchool, LeaderStatus, PartnershipSchool, Specialism, SystemLeader
from deployments import funding
from deployments.delivery import capacity
from deployments.models import (
    OUTCOME_LABELS,
    CapacityEntry,
    Deployment,
    Objective,
    Review,
    ReviewObjective,
    SupportRequest,
    Visit,
)
from portal.audit.services import record_event
from portal.calendar.schooldays import LONDON
from portal.calendar.services import school_calendar
from programmes.models import Entitlement, EntitlementSource, EntitlementStatus
from programmes.money import academic_year_bounds, academic_year_of

MARKER = "Carried over from the 2025-26 spreadsheet"
# Demo data of the apps above this one (leadership), registered from their AppConfig.ready(): seed_demo calls each
# with the demo partnerships by slug, inside its transaction, after everything else is built.
LATER_STEPS: list = []


def register_demo_step(step) -> None:
    if step not in LATER_STEPS:
        LATER_STEPS.append(step)
NEXT_STEPS = [
    "Subject leader to observe two lessons with the system leader before half term.",
    "Share the new marking policy with governors at the next meeting.",
    "Run the moderation session with the partner school in the spring term.",
    "Coach the two new teachers on questioning; review again in six weeks.",
]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LONDON)


def build_history(partnership, *, author) -> int:
    """About thirty deployments across 2025-26 and this autumn: requests with need areas, visits, the capacity
    ledger and reviews with Red/Amber/Green and impact scores. Returns how many deployments it added."""
    if Deployment.objects.filter(partnership=partnership, funder_note=MARKER).exists():
        return 0
    rng = random.Random(2026)
    today = timezone.localdate()
    terms = school_days = school_calendar(partnership=partnership)
    clustered = list(ClusterSchool.objects.filter(partnership=partnership).values_list("school_id", flat=True)
                     .order_by("school_id").distinct())
    others = list(PartnershipSchool.objects.filter(partnership=partnership).exclude(school_id__in=clustered)
                  .values_list("school_id", flat=True).order_by("school_id"))
    # The demo headteacher's school first, so their home page has a completed deployment from last year.
    schools = ["110746"] + [urn for urn in clustered[:24] + others[:6] if urn != "110746"]
    leaders = list(SystemLeader.objects.filter(partnership=partnership, status=LeaderStatus.ACTIVE, user__isnull=True)
                   .order_by("pk"))
    areas = list(Specialism.objects.filter(partnership=partnership, is_retired=False).order_by("pk"))
    if not (schools and leaders and areas):
        return 0
    outcomes = list(OUTCOME_LABELS)
    made = 0
    for n, urn in enumerate(schools):
        last_year = n % 3 == 0
        start = date(2025, 10, 6) + timedelta(days=7 * (n % 10)) if last_year else date(2026, 9, 14) + timedelta(days=2 * n)
        end = start + timedelta(days=120 if last_year else 90)
        if not last_year and n % 7 == 1:  # completed this autumn: a short piece of work that is over
            end = max(min(start + timedelta(days=45), today - timedelta(days=3)), start + timedelta(days=7))
        sent = start - timedelta(days=20 + n % 9)
        decided = sent + timedelta(days=3 + (n * 5) % 17)
        leader = next(x for x in leaders[n % len(leaders):] + leaders if x.home_school_id != urn)
        needs = rng.sample(areas, 1 + n % 2)
        days = Decimal(3 + n % 4)
        status = "completed" if last_year or n % 7 == 1 else ("paused" if n % 11 == 5 else "active")
        request = SupportRequest.objects.create(
            partnership=partnership, school_id=urn, created_by=author, status="matched", context=MARKER,
            success="Agreed with the school at the time.", urgency="routine", days_wanted=days, funding_route="core",
            consent_to_share=True, submitted_at=_at(sent), triaged_at=_at(sent + timedelta(days=2)),
            support_level="targeted")
        request.needs.set(needs, through_defaults={"partnership": partnership})
        deployment = Deployment.objects.create(
            partnership=partnership, request=request, school_id=urn, leader=leader, status=status, days=days,
            rate_kind="member", day_rate=partnership.member_day_rate or Decimal(350), funder="core", funder_note=MARKER,
            start_date=start, end_date=end, proposed_by=author, proposed_at=_at(decided - timedelta(days=1)),
            decided_by=author, decided_at=_at(decided), decision_note="Approved by the steering group.",
            head_confirmed_at=_at(decided + timedelta(days=2)), leader_confirmed_at=_at(decided + timedelta(days=2)),
            closed_at=_at(min(end, today)) if status == "completed" else None)
        objectives = [Objective.objects.create(
            partnership=partnership, deployment=deployment, area=area, position=i,
            description=f"Strengthen the school's work on {area.name}", success_criteria="Agreed measures met")
            for i, area in enumerate(needs)]
        # Visits spread evenly over the school days so far; a completed deployment delivered all its days.
        weekdays = [start + timedelta(days=k) for k in range((min(end, today - timedelta(days=1)) - start).days + 1)
                    if school_days.is_school_day(start + timedelta(days=k))]
        count = int(days) if status == "completed" else min(int(days), len(weekdays) // 10)
        step = max(1, len(weekdays) // max(count, 1))
        visit_days = weekdays[::step][:count]
        Visit.objects.bulk_create([
            Visit(partnership=partnership, deployment=deployment, visit_date=day, days=1,
                  focus="Coaching and lesson visits", status="confirmed", logged_by=author) for day in visit_days])
        # The ledger: the agreed days over the deployment's terms; a closed one keeps only what was delivered.
        booked = Decimal(len(visit_days)) if status == "completed" else days
        CapacityEntry.objects.bulk_create([
            CapacityEntry(partnership=partnership, leader=leader, deployment=deployment, term_key=term.key, days=value)
            for term, value in capacity.split_days(booked, start, end, terms).items() if value])
        record_event(partnership=partnership, action="deployment.carried_over", obj=deployment, note=MARKER)
        for term in capacity.split_days(days, start, end, terms):
            due = term.end - timedelta(days=14)
            agreed = due < today or (status == "completed")
            review = Review.objects.create(
                partnership=partnership, deployment=deployment, term_key=term.key, due_on=due,
                status="agreed" if agreed else ("submitted" if n % 4 == 0 else "due"),
                impact_score=rng.choice([6, 7, 8, 8, 9, 9, 10]) if agreed or n % 4 == 0 else None,
                outcomes=rng.sample(outcomes, 3) if agreed else [], next_steps=NEXT_STEPS[n % len(NEXT_STEPS)],
                overall_progress="Good progress against the objectives.", written_by=leader.user,
                submitted_at=_at(due) if agreed else None,
                agreed_at=_at(due + timedelta(days=3)) if agreed else None)
            if review.status != "due":
                ReviewObjective.objects.bulk_create([
                    ReviewObjective(partnership=partnership, review=review, objective=objective,
                                    rag=rng.choice(["green", "green", "amber", "amber", "red"]),
                                    evidence="Seen on visits.") for objective in objectives])
        if status == "completed":
            Review.objects.create(
                partnership=partnership, deployment=deployment, kind="final", term_key="final",
                due_on=min(end + timedelta(days=14), today), status="agreed", impact_score=rng.choice([7, 8, 9]),
                head_impact_score=rng.choice([7, 8, 8, 9, 10]), overall_progress="The objectives were met.",
                next_steps="Keep the new practice going with the subject leader.",
                agreed_at=_at(min(end + timedelta(days=10), today)))
        made += 1
    return made


def fund_history(partnership, *, author) -> int:
    """The demo's visits draw down. This year's carried-over deployments still going ahead are paid from the
    school's core entitlement, with the head's consent to pay as you go beyond it: approval's hold and each
    confirmed visit's draw go through `deployments.funding`, as on the pages, so the school's days, the ledger and
    the statement show what the visits used and what was charged. Returns how many deployments it funded; a second
    run funds none."""
    year = academic_year_of(timezone.localdate())
    first_day, _ = academic_year_bounds(year)
    funded = 0
    for deployment in (Deployment.objects.filter(partnership=partnership, funder_note=MARKER, entitlement__isnull=True,
                                                  status__in=("active", "paused"), start_date__gte=first_day)
                       .select_related("school", "leader", "partnership").order_by("pk")):
        entitlement = Entitlement.objects.filter(partnership=partnership, school_id=deployment.school_id,
                                                 academic_year=year, source=EntitlementSource.CORE,
                                                 status=EntitlementStatus.ACTIVE).order_by("pk").first()
        if entitlement is None:
            continue
        SupportRequest.objects.filter(pk=deployment.request_id).update(entitlement=entitlement,
                                                                        payg_beyond_balance=True)
        Deployment.objects.filter(pk=deployment.pk).update(entitlement=entitlement, funder="core")
        deployment.entitlement, deployment.entitlement_id = entitlement, entitlement.pk
        funding.hold_for(deployment=deployment, actor=author)
        for visit in Visit.objects.filter(deployment=deployment, status="confirmed").order_by("visit_date", "pk"):
            funding.draw_for(deployment=deployment, visit=visit, actor=author)
        funded += 1
    return funded
