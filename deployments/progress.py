"""Where a support request is, as everyone sees it: its own status until a system leader accepts, then its
deployment's, to the end.

One source of truth for each part. A request's own status stops at "matched" (its state machine ends
there); from then on its deployment's status is what moves, through its guarded, audited transitions. So the
request's progress is derived, never stored: `with_progress` adds it to a queryset as one SQL expression,
which lists, filters, exports and dashboards all read (no extra query, no second status to keep in step, and
right for rows written in bulk, such as the demo history and carried-over records).

The deployment that counts is the request's latest one that was not rejected (a rejection sends the request
back to matching, so it no longer speaks for it).
"""

from __future__ import annotations

from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from deployments.models import Deployment, DeploymentStatus, RequestProgress, RequestStatus, SupportRequest

CLOSED = frozenset({RequestProgress.DECLINED, RequestProgress.WITHDRAWN, RequestProgress.COMPLETED,
                    RequestProgress.STOPPED, RequestProgress.CANCELLED})
# The requests list's filter: every stage, and the open and closed ones together.
GROUPS = {"open": "Open (not closed)", "closed": "Closed"}

# What the school does next, or what happens next, at each stage: on the headteacher's home and request pages.
NEXT_STEP = {
    RequestProgress.DRAFT: "Finish your answers and send it.",
    RequestProgress.SUBMITTED: "The steering group will triage it.",
    RequestProgress.TRIAGED: "The steering group is finding a system leader.",
    RequestProgress.MATCHED: "A system leader accepted. The broker is drawing up the deployment for approval.",
    RequestProgress.PROPOSED: "The steering group will approve the deployment or not.",
    RequestProgress.APPROVED: "The school and the system leader each confirm the agreement; then the work starts.",
    RequestProgress.ACTIVE: "The support is under way. Confirm visits as they are logged.",
    RequestProgress.PAUSED: "The support is paused. Read the broker's note on the deployment.",
    RequestProgress.COMPLETED: "The support is complete. Its final evaluation is on the deployment's page.",
    RequestProgress.STOPPED: "The support stopped early. Read the broker's note on the deployment.",
    RequestProgress.CANCELLED: "The deployment was cancelled. Nothing more to do.",
    RequestProgress.DECLINED: "Read the steering group's note.",
    RequestProgress.WITHDRAWN: "Nothing more to do.",
}


def _current_deployment_status() -> Subquery:
    latest = Deployment.objects.filter(partnership=OuterRef("partnership"), request=OuterRef("pk")).exclude(
        status=DeploymentStatus.REJECTED).order_by("-proposed_at", "-pk").values("status")[:1]
    return Subquery(latest, output_field=CharField(max_length=20))


def with_progress(queryset: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    """`queryset` with `progress` on every row (a `RequestProgress` value; `get_progress_display()` words it):
    the request's status, or once matched its current deployment's."""
    return queryset.annotate(progress=Case(
        When(status=RequestStatus.MATCHED,
             then=Coalesce(_current_deployment_status(), Value(RequestProgress.MATCHED.value))),
        default=F("status"), output_field=CharField(max_length=20)))


def progress_choices(*, staff: bool) -> list[tuple[str, str]]:
    """The requests list's status filter: open or closed, then each stage (the steering group never sees drafts)."""
    stages = [(value, label) for value, label in RequestProgress.choices if not (staff and value == RequestProgress.DRAFT)]
    return [*GROUPS.items(), *stages]


def filter_by_progress(queryset: QuerySet[SupportRequest], value: str) -> QuerySet[SupportRequest]:
    """Requests at one stage, or all open or all closed ones; an unknown value filters nothing."""
    if "progress" not in queryset.query.annotations:
        queryset = with_progress(queryset)
    if value == "closed":
        return queryset.filter(progress__in=CLOSED)
    if value == "open":
        return queryset.exclude(progress__in=CLOSED)
    if value in RequestProgress.values:
        return queryset.filter(progress=value)
    return queryset
