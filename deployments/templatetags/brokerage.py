"""Template helpers for brokerage pages: plain-English timeline entries and status tag colours."""

from __future__ import annotations

from django import template

from deployments.progress import NEXT_STEP

register = template.Library()

EVENTS = {
    "deployment.carried_over": "Carried over from the records kept before the portal",
    "request.started": "Request started",
    "request.submitted": "Request sent to the steering group",
    "request.triaged": "Taken on by the steering group",
    "request.declined": "Not taken on",
    "request.withdrawn": "Request withdrawn by the school",
    "request.deleted": "Draft deleted",
    "request.matched": "A system leader accepted",
    "offer.made": "Offered to a system leader",
    "offer.accepted": "Offer accepted",
    "offer.declined": "Offer declined",
    "offer.withdrawn": "Offer withdrawn",
    "offer.expired": "Offer expired without an answer",
    "offer.released": "Accepted offer released",
    "deployment.proposed": "Deployment proposed",
    "deployment.approved": "Deployment approved",
    "deployment.rejected": "Deployment not approved",
    "deployment.confirmed_by_headteacher": "Agreement confirmed by the school",
    "deployment.confirmed_by_system_leader": "Agreement confirmed by the system leader",
    "deployment.active": "Agreement in force: work under way",
    "deployment.paused": "Deployment paused",
    "deployment.stopped": "Deployment stopped early",
    "deployment.completed": "Deployment completed",
    "deployment.cancelled": "Deployment cancelled",
    "deployment.varied": "Agreement changed",
    "variation.proposed": "Change to the agreement proposed",
    "variation.approved": "Change to the agreement approved",
    "variation.rejected": "Change to the agreement not approved",
    "variation.confirmed_by_headteacher": "Change to the agreement confirmed by the school",
    "variation.confirmed_by_system_leader": "Change to the agreement confirmed by the system leader",
    "variation.applied": "Change to the agreement in force",
    "variation.declined": "Change to the agreement declined",
    "variation.withdrawn": "Change to the agreement withdrawn",
    "visit.logged": "Visit logged",
    "visit.confirmed": "Visit confirmed by the school",
    "visit.disputed": "Visit disputed by the school",
    "visit.dispute_upheld": "Disputed visit upheld by the broker",
    "visit.dispute_removed": "Disputed visit removed by the broker",
    "visit.corrected": "Visit corrected by the system leader",
    "visit.deleted": "Visit deleted by the system leader",
    "visit.voided": "Visit void: the deployment closed before the school answered",
    # {review} is the review's name, "Final evaluation" or "Termly review (Autumn term 2026-27)" (deployments.history).
    "review.submitted": "{review} sent to the headteacher",
    "review.returned": "{review} returned with comments by the headteacher",
    "review.agreed": "{review} agreed by the headteacher",
}

TAGS = {
    "draft": "yellow", "submitted": "blue", "triaged": "blue", "matched": "turquoise", "declined": "red",
    "withdrawn": "grey", "open": "blue", "accepted": "green", "expired": "grey", "released": "grey",
    "proposed": "yellow", "rejected": "red", "approved": "turquoise", "active": "green", "paused": "orange",
    "completed": "grey", "stopped": "red", "cancelled": "grey", "logged": "yellow", "confirmed": "green",
    "disputed": "red", "removed": "grey", "deleted": "grey", "voided": "grey", "confirming": "yellow", "applied": "green",
}


@register.filter
def event_label(event) -> str:
    """What an audit event means, in words; a resumed deployment is the move from paused back to under way."""
    if event.action == "deployment.active" and event.old.get("status") == "paused":
        return "Deployment resumed"
    label = EVENTS.get(event.action, event.action.replace(".", ": ").replace("_", " ").capitalize())
    return label.format(review=getattr(event, "subject", "") or "Review")


@register.filter
def next_step(progress: str) -> str:
    """What happens next for a request at this stage (`deployments.progress.NEXT_STEP`)."""
    return NEXT_STEP.get(progress, "")


@register.filter
def versions(event) -> list[tuple[str, str, str]]:
    """(what, before, after) for an event that keeps both versions of what changed (an agreement changed)."""
    before = dict(tuple(row) for row in (event.old or {}).get("changes", []))
    return [(what, before.get(what, ""), after) for what, after in (event.new or {}).get("changes", [])]


@register.filter
def status_tag(status: str) -> str:
    colour = TAGS.get(status, "")
    return f"govuk-tag govuk-tag--{colour}" if colour else "govuk-tag"
