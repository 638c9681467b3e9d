"""What each API resource returns, field by field: nothing leaves that is not declared here. Free text that the
pages keep private (request context, notes, review narrative) and staff contact details are absent; system leaders'
email and phone are filled only for a token with the contacts scope."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema


class SchoolOut(Schema):
    urn: str
    name: str
    la_code: str | None
    la_name: str | None
    phase: str
    type: str
    trust_name: str
    is_member: bool
    member_from: date | None
    member_to: date | None


class LeaderOut(Schema):
    id: int
    name: str
    designation: str
    status: str
    home_school_urn: str
    home_school_name: str
    la_code: str | None
    phases: list[str]
    specialisms: list[str]
    capacity_days_per_term: Decimal
    designated_on: date
    review_due: date
    email: str | None = None
    phone: str | None = None


class RequestOut(Schema):
    id: int
    school_urn: str
    school_name: str
    la_code: str | None
    status: str
    urgency: str
    support_level: str
    needs: list[str]
    days_wanted: Decimal | None
    preferred_start: date | None
    submitted_at: datetime | None


class DeploymentOut(Schema):
    id: int
    reference: str
    request_id: int
    school_urn: str
    school_name: str
    la_code: str | None
    leader_id: int
    leader_name: str
    status: str
    days: Decimal
    funder: str
    start_date: date
    end_date: date
    decided_at: datetime | None


class ObjectiveRating(Schema):
    objective_id: int
    rag: str
    success_met: str


class ReviewOut(Schema):
    id: int
    deployment_id: int
    school_urn: str
    la_code: str | None
    kind: str
    term: str
    due_on: date
    status: str
    rag: str | None
    impact_score: int | None
    head_impact_score: int | None
    outcomes: list[str]
    objectives: list[ObjectiveRating]
    agreed_at: datetime | None


class DashboardOut(Schema):
    year: str
    term: str
    la: str
    cluster: int | None
    schools_supported: int
    requests: int
    approvals: int
    median_days_to_approval: float | None
    active: int
    paused: int
    completed: int
    stopped: int
    days_committed: Decimal
    days_delivered: Decimal
    days_awaiting_confirmation: Decimal
    reviews_due: int
    reviews_overdue: int
    open_rag: dict[str, int]
    impact_responses: int
    impact_mean: float | None


class Page(Schema):
    next_cursor: str | None


class SchoolPage(Page):
    results: list[SchoolOut]


class LeaderPage(Page):
    results: list[LeaderOut]


class RequestPage(Page):
    results: list[RequestOut]


class DeploymentPage(Page):
    results: list[DeploymentOut]


class ReviewPage(Page):
    results: list[ReviewOut]


class ErrorOut(Schema):
    detail: str
