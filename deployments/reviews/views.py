"""Termly reviews and final evaluations: read (printable for governors), write, agree or return."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from deployments.delivery.selectors import objectives
from deployments.models import (
    LINK_PARTNER_ELEMENTS,
    OUTCOME_GROUPS,
    OUTCOMES,
    DeploymentStatus,
    Review,
    ReviewKind,
    ReviewStatus,
    with_due_caveats,
)
from deployments.reviews import selectors
from deployments.reviews import services as reviews
from deployments.reviews.forms import ReviewAnswerForm, ReviewForm
from deployments.visibility import deployments_for
from deployments.workflow import is_head_of
from portal.errors import DomainError
from portal.ui.views import capability_required


def _review(request: HttpRequest, pk: int) -> Review:
    visible = deployments_for(membership=request.membership).values("pk")
    found = with_due_caveats(Review.objects.filter(deployment__in=visible, pk=pk)).select_related(
        "deployment__school", "deployment__leader", "deployment__request", "deployment__partnership", "written_by",
        "agreed_by").first()
    if found is None:
        raise Http404("No such review")
    return found


def _link_sections(review: Review) -> list[tuple[str, str]]:
    """A link partner's report, section by section, in seed 003's order (nothing for other reviews)."""
    return [(label, review.sections[key]) for key, label in LINK_PARTNER_ELEMENTS if review.sections.get(key)]


def _outcome_groups(review: Review) -> list[tuple[str, list[str]]]:
    chosen = set(review.outcomes)
    return [(label, [text for key, text in OUTCOMES[group] if key in chosen]) for group, label in OUTCOME_GROUPS.items()
            if chosen & {key for key, _ in OUTCOMES[group]}]


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def review_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    review = _review(request, pk)
    deployment = review.deployment
    is_head = is_head_of(request.membership, deployment.school_id)
    return render(request, "deployments/review.html", {
        "review": review, "deployment": deployment, "progress": selectors.review_progress(review=review),
        "outcome_groups": _outcome_groups(review), "overdue": review.is_overdue(),
        "link_sections": _link_sections(review),
        "can_write": reviews.can_write(request.membership, review),
        "can_answer": reviews.can_answer(request.membership, review, is_head=is_head),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("reviews.write")
def review_write(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    review = _review(request, pk)
    deployment = review.deployment
    if not reviews.can_write(request.membership, review):
        paused = review.status == ReviewStatus.DUE and deployment.status == DeploymentStatus.PAUSED
        messages.info(request, "This deployment is paused, so its reviews cannot change until it resumes." if paused
                      else "This review is not yours to write now.")
        return redirect("deployments:review", partnership_slug=partnership_slug, pk=pk)
    goals = objectives(deployment=deployment)
    final = review.kind == ReviewKind.FINAL
    saved = {row.objective_id: row for row in selectors.review_progress(review=review)}
    initial = {"overall_progress": review.overall_progress, "impact_score": review.impact_score,
               "own_school_benefit": review.own_school_benefit,
               "next_steps": review.next_steps}
    for objective in goals:
        row = saved.get(objective.pk)
        if row:
            initial.update({f"rag_{objective.pk}": row.rag, f"evidence_{objective.pk}": row.evidence,
                            f"met_{objective.pk}": row.success_met})
    for group in OUTCOME_GROUPS:
        initial[f"outcomes_{group}"] = [key for key, _ in OUTCOMES[group] if key in review.outcomes]
    link_partner = reviews.is_link_partner(deployment)
    initial.update({f"section_{key}": text for key, text in review.sections.items()})
    form = ReviewForm(request.POST or None, objectives=goals, final=final, initial=initial, link_partner=link_partner)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        if submit:
            form.require_complete()
        if not form.errors:
            try:
                reviews.write_review(actor=request.membership, review=review, submit=submit, **form.values())
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Review sent to the headteacher to agree." if submit else
                                 "Draft saved. Send it to the headteacher when it is complete.")
                return redirect("deployments:review", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/review_write.html", {"review": review, "deployment": deployment,
                                                             "form": form, "final": final})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("reviews.agree")
def review_answer(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not reviews.awaits_answer(review):
        messages.info(request, "This review is not waiting for your agreement.")
        return redirect("deployments:review", partnership_slug=partnership_slug, pk=pk)
    form = ReviewAnswerForm(request.POST or None, final=review.kind == ReviewKind.FINAL)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reviews.answer_review(actor=request.membership, review=review, agree=data["decision"] == "agree",
                                  comments=data["comments"], head_impact_score=data.get("head_impact_score"))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Review agreed: it is now final." if review.status == ReviewStatus.AGREED else
                             "Review returned to the system leader with your comments.")
            return redirect("deployments:review", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/review_answer.html", {
        "review": review, "deployment": review.deployment, "form": form,
        "progress": selectors.review_progress(review=review), "outcome_groups": _outcome_groups(review),
        "link_sections": _link_sections(review),
    })
