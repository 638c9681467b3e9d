"""Rows to the API's schemas (api.schemas): the one place that decides what of a row leaves the portal."""

from __future__ import annotations

from alliances.models import PartnershipSchool, SystemLeader
from api import schemas
from deployments.models import Deployment, Review, SupportRequest
from reporting.dashboards import worst_rag

PHASES = (("early_years", "phase_early_years"), ("primary", "phase_primary"), ("secondary", "phase_secondary"),
          ("special", "phase_special"))


def school_out(row: PartnershipSchool) -> schemas.SchoolOut:
    school = row.school
    return schemas.SchoolOut(
        urn=school.urn, name=school.name, la_code=school.la_id, la_name=school.la.name if school.la else None,
        phase=school.phase, type=school.type_name, trust_name=school.trust_name, is_member=row.is_member,
        member_from=row.member_from, member_to=row.member_to)


def leader_out(row: SystemLeader, *, contacts: bool) -> schemas.LeaderOut:
    return schemas.LeaderOut(
        id=row.pk, name=row.name, designation=row.designation, status=row.status,
        home_school_urn=row.home_school_id, home_school_name=row.home_school.name, la_code=row.home_school.la_id,
        phases=[name for name, flag in PHASES if getattr(row, flag, False)],
        specialisms=sorted(s.name for s in row.specialisms.all()),
        capacity_days_per_term=row.capacity_days_per_term, designated_on=row.designated_on,
        review_due=row.review_due,
        email=(row.email or None) if contacts else None, phone=(row.phone or None) if contacts else None)


def request_out(row: SupportRequest) -> schemas.RequestOut:
    return schemas.RequestOut(
        id=row.pk, school_urn=row.school_id, school_name=row.school.name, la_code=row.school.la_id,
        status=row.status, urgency=row.urgency, support_level=row.support_level,
        needs=sorted(s.name for s in row.needs.all()), days_wanted=row.days_wanted,
        preferred_start=row.preferred_start, submitted_at=row.submitted_at)


def deployment_out(row: Deployment) -> schemas.DeploymentOut:
    return schemas.DeploymentOut(
        id=row.pk, reference=row.reference, request_id=row.request_id, school_urn=row.school_id,
        school_name=row.school.name, la_code=row.school.la_id, leader_id=row.leader_id, leader_name=row.leader.name,
        status=row.status, days=row.days, funder=row.funder, start_date=row.start_date, end_date=row.end_date,
        decided_at=row.decided_at)


def review_out(row: Review) -> schemas.ReviewOut:
    ratings = getattr(row, "ratings", [])
    return schemas.ReviewOut(
        id=row.pk, deployment_id=row.deployment_id, school_urn=row.deployment.school_id,
        la_code=row.deployment.school.la_id, kind=row.kind, term=row.term_key, due_on=row.due_on, status=row.status,
        rag=worst_rag([r.rag for r in ratings]) if ratings else None, impact_score=row.impact_score,
        head_impact_score=row.head_impact_score, outcomes=list(row.outcomes or []),
        objectives=[schemas.ObjectiveRating(objective_id=r.objective_id, rag=r.rag, success_met=r.success_met)
                    for r in ratings],
        agreed_at=row.agreed_at)
