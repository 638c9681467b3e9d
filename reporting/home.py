"""The LA officer's home: their local authorities' headline figures (the dashboards' own, one definition) and
what changed at their schools since their last visit, read from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from deployments.models import Deployment, Review, SupportRequest
from portal.audit.models import AuditEvent
from portal.audit.selectors import content_type
from portal.tenancy.models import Membership
from reporting.dashboards import dashboard
from reporting.filters import DashboardFilterForm

FIRST_VISIT_WINDOW = timedelta(days=14)  # what "changed recently" means before a first visit
CHANGES_SHOWN = 20
# The events an LA officer follows: (object kind, audit action) -> how the change reads.
WORDING = {
    ("request", "request.submitted"): "asked for support",
    ("deployment", "deployment.active"): "support started",
    ("deployment", "deployment.completed"): "support completed",
    ("deployment", "deployment.stopped"): "support stopped early",
    ("review", "review.submitted"): "review sent to the school",
    ("review", "review.agreed"): "review agreed by the school",
    ("review", "review.returned"): "review returned by the school",
}
MODELS = {"request": SupportRequest, "deployment": Deployment, "review": Review}


@dataclass(frozen=True)
class Change:
    when: datetime
    what: str
    school: str
    reference: str
    deployment_id: int | None  # for a link to the dashboards' deployment page


def _ids(queryset):
    """Primary keys as text, as the audit log stores them (a subquery, not a list)."""
    return queryset.annotate(key=Cast("pk", CharField(max_length=20))).values("key")


def changes_since(*, membership: Membership, since: datetime | None, limit: int = CHANGES_SHOWN) -> list[Change]:
    """What happened at schools in the member's LAs after `since` (the last two weeks on a first visit), newest
    first: new requests, deployments started, completed or stopped, reviews sent, agreed or returned. Five queries,
    whatever the data: the events (by the partnership's time index), then the rows they name."""
    partnership = membership.partnership
    las = membership.local_authorities.values("code")
    rows = {"request": SupportRequest.objects.filter(partnership=partnership, school__la__in=las),
            "deployment": Deployment.objects.filter(partnership=partnership, school__la__in=las),
            "review": Review.objects.filter(partnership=partnership, deployment__school__la__in=las)}
    condition = Q(pk__in=[])
    for kind, model in MODELS.items():
        actions = [action for (k, action), _ in WORDING.items() if k == kind]
        condition |= Q(object_type__in=content_type(model), action__in=actions, object_id__in=_ids(rows[kind]))
    start = since or timezone.now() - FIRST_VISIT_WINDOW
    events = list(AuditEvent.objects.filter(condition, partnership=partnership, created_at__gt=start)
                  .exclude(action="deployment.active", old__status="paused")  # resumed, not started
                  .order_by("-created_at", "-pk").values_list("created_at", "object_type__model", "object_id", "action")[:limit])
    kind_of = {model._meta.model_name: kind for kind, model in MODELS.items()}
    wanted: dict[str, set[int]] = {kind: set() for kind in MODELS}
    for _, type_id, object_id, _ in events:
        wanted[kind_of[type_id]].add(int(object_id))
    found = {
        "request": {r.pk: (r.school.name, r.reference, None) for r in
                    rows["request"].filter(pk__in=wanted["request"]).select_related("school")},
        "deployment": {d.pk: (d.school.name, d.reference, d.pk) for d in
                       rows["deployment"].filter(pk__in=wanted["deployment"]).select_related("school")},
        "review": {r.pk: (r.deployment.school.name, Deployment.reference_for(r.deployment_id), r.deployment_id)
                   for r in rows["review"].filter(pk__in=wanted["review"]).select_related("deployment__school")},
    }
    changes = []
    for when, type_id, object_id, action in events:
        kind = kind_of[type_id]
        school, reference, deployment_id = found[kind].get(int(object_id), ("", "", None))
        if school:
            changes.append(Change(when, WORDING[(kind, action)], school, reference, deployment_id))
    return changes


def la_officer_home(*, membership: Membership, since: datetime | None = None, **_) -> dict:
    """The home section for members limited to their LAs (LA officers); nothing for everyone else."""
    if not membership.can("dashboards.view") or membership.can("directory.all_areas"):
        return {}
    form = DashboardFilterForm(None, membership=membership)
    form.is_valid()
    board = dashboard(scope=form.scope())
    return {"la_home": {"scope": board.scope, "headline": board.headline, "impact": board.impact, "since": since,
                        "changes": changes_since(membership=membership, since=since)}}
