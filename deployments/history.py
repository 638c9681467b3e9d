"""Every event of a request or a deployment, read from one place, so the two pages cannot disagree.

A deployment's history is the audit events of the deployment itself, its visits, its changes and its reviews (each termly
review and the final evaluation being sent, returned and agreed). A request's history is its own events, its
offers' and the whole history of each of its deployments. The rows are named by subqueries (or by their keys,
when the page has read them), so a history is one query whatever its size, and one more to name the reviews when
it has review events (none when the page has read the reviews).
"""

from __future__ import annotations

from django.db.models import QuerySet

from deployments.models import Deployment, Offer, Review, ReviewKind, SupportRequest, Variation, Visit
from portal.audit.models import AuditEvent
from portal.audit.selectors import timeline


def deployment_rows(deployments: QuerySet[Deployment] | list[int], *, read: dict[type, list] | None = None
                    ) -> dict[type, QuerySet | list]:
    """The rows whose events make up these deployments' histories: each deployment, its visits, its reviews and
    its changes (variations, each event with both versions). `deployments` is a queryset or the ids already read
    (a page that lists them): with ids the statement has one level of subqueries fewer, cheaper to build and plan,
    and the deployments' own keys are written into it. `read`: for a model, all of these deployments' rows the
    page has read already, whose keys are written into the statement in place of a subquery."""
    read = read or {}
    if isinstance(deployments, QuerySet):
        ids, rows = deployments.values("pk"), {Deployment: deployments}
    else:
        ids = list(deployments)
        if not ids:  # no deployment, so none of their visits, reviews or changes: nothing to look for
            return {}
        rows = {Deployment: ids}
    for model in (Visit, Review, Variation):
        rows[model] = ([row.pk for row in read[model]] if model in read
                       else model.objects.filter(deployment__in=ids))
    return rows


def deployment_history(*, deployment: Deployment, visits: list[Visit] | None = None, reviews: list[Review] | None = None,
                       variations: list[Variation] | None = None) -> list[AuditEvent]:
    """Every event of the deployment, its visits and its reviews, oldest first. `visits`, `reviews`, `variations`:
    all of the deployment's rows of that kind when the page has read them already: their keys are written into the
    statement (no subquery to build and plan), and `reviews` name the review events (no query of their own)."""
    read = {model: rows for model, rows in ((Visit, visits), (Review, reviews), (Variation, variations))
            if rows is not None}
    return _events(deployment.partnership_id, deployment_rows([deployment.pk], read=read), reviews=reviews)


def request_history(*, request: SupportRequest, deployments: list[Deployment] | None = None,
                    offers: list[Offer] | None = None) -> list[AuditEvent]:
    """Every event of the request, its offers and its deployments (with their visits and reviews), oldest first.
    `deployments`, `offers`: the request's deployments, its offers, when the page has read them already (all of
    them, as `request_deployments` and `page_offers` list them): their keys are written into the statement."""
    rows = {SupportRequest: [request.pk],
            Offer: Offer.objects.filter(request=request) if offers is None else [offer.pk for offer in offers],
            **deployment_rows(Deployment.objects.filter(request=request) if deployments is None
                              else [d.pk for d in deployments])}
    return _events(request.partnership_id, rows)


def review_name(review: Review) -> str:
    """How the timeline names a review: "Final evaluation" or "Termly review (Autumn term 2026-27)"."""
    return "Final evaluation" if review.kind == ReviewKind.FINAL else f"Termly review ({review.term_label})"


def _events(partnership_id: int, rows: dict[type, QuerySet | list], reviews: list[Review] | None = None
            ) -> list[AuditEvent]:
    # The timeline names each actor by the label kept on the event: the user is not joined (12 columns unread).
    events = list(timeline(partnership=partnership_id, objects=rows).select_related(None).select_related("object_type"))
    about_reviews = [event for event in events if event.object_type is not None
                     and event.object_type.model_class() is Review]
    if about_reviews:  # each review event says which review: "Final evaluation agreed by the headteacher"
        if reviews is None:
            reviews = Review.objects.filter(pk__in={int(event.object_id) for event in about_reviews}).only(
                "pk", "kind", "term_key")
        names = {str(review.pk): review_name(review) for review in reviews}
        for event in about_reviews:
            event.subject = names.get(event.object_id, "")
    return events
