"""Brokerage's events in a member's calendar feed (portal.calendar.feeds): visits, termly reviews' due dates and the
start and end of agreed deployments, for the deployments the member may see (deployments.visibility: a head their
schools', a leader their own, the steering group all). Summaries name the school, leader and reference only: no
visit focus or notes, no review text, no contact details. Three queries whatever the member's role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from deployments.models import NOT_COUNTED, Deployment, DeploymentStatus, Review, ReviewStatus, Visit
from deployments.visibility import deployments_for
from portal.calendar.feeds import FeedEvent
from portal.days import days_phrase
from portal.tenancy.models import Membership

AGREED = (DeploymentStatus.APPROVED, DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED, DeploymentStatus.COMPLETED,
          DeploymentStatus.STOPPED)
ONE_DAY = timedelta(days=1)


def _uid(kind: str, pk: int, partnership_slug: str) -> str:
    return f"{kind}-{pk}@{partnership_slug}.s2s"


def _link(name: str, slug: str, pk: int) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"partnership_slug": slug, "pk": pk})


def deployment_events(membership: Membership) -> Iterator[FeedEvent]:
    slug = membership.partnership.slug
    visible = deployments_for(membership=membership).filter(status__in=AGREED).select_related(None).select_related(
        "school", "leader")
    deployments = {d.pk: d for d in visible.only("pk", "start_date", "end_date", "updated_at", "status",
                                                 "school__name", "leader__name")}
    for d in deployments.values():
        who = f"{d.school.name} with {d.leader.name} ({Deployment.reference_for(d.pk)})"
        link = _link("deployments:deployment", slug, d.pk)
        yield FeedEvent(uid=_uid("deployment-start", d.pk, slug), summary=f"Support starts: {who}",
                        start=d.start_date, end=d.start_date + ONE_DAY, last_modified=d.updated_at, url=link)
        yield FeedEvent(uid=_uid("deployment-end", d.pk, slug), summary=f"Support ends: {who}",
                        start=d.end_date, end=d.end_date + ONE_DAY, last_modified=d.updated_at, url=link)
    if not deployments:
        return
    visits = Visit.objects.filter(partnership=membership.partnership, deployment_id__in=list(deployments)).exclude(
        status__in=NOT_COUNTED).only("pk", "deployment_id", "visit_date", "days", "status", "created_at",
                                     "responded_at", "resolved_at")
    for visit in visits:
        d = deployments[visit.deployment_id]
        changed = max(t for t in (visit.created_at, visit.responded_at, visit.resolved_at) if t is not None)
        yield FeedEvent(uid=_uid("visit", visit.pk, slug), start=visit.visit_date, end=visit.visit_date + ONE_DAY,
                        summary=f"Visit ({days_phrase(visit.days)}): {d.school.name} with {d.leader.name}",
                        description=f"{Deployment.reference_for(d.pk)}. {visit.get_status_display()}.",
                        last_modified=changed, url=_link("deployments:deployment", slug, d.pk))
    reviews = Review.objects.filter(partnership=membership.partnership, deployment_id__in=list(deployments)).only(
        "pk", "deployment_id", "due_on", "status", "term_key", "updated_at")
    for review in reviews:
        d = deployments[review.deployment_id]
        state = "" if review.status == ReviewStatus.DUE else f" ({review.get_status_display().lower()})"
        yield FeedEvent(uid=_uid("review", review.pk, slug), start=review.due_on, end=review.due_on + ONE_DAY,
                        summary=f"Review due{state}: {d.school.name} with {d.leader.name}, {review.term_key}",
                        last_modified=review.updated_at, url=_link("deployments:review", slug, review.pk))
