"""Changes to an agreed deployment: the broker proposes, an approver decides, both sides confirm or decline."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from alliances.selectors import active_specialisms
from deployments import processes
from deployments.models import Variation, VariationStatus
from deployments.variations import selectors, services
from deployments.variations.forms import VariationDecisionForm, VariationForm
from deployments.variations.values import current_values
from deployments.visibility import deployments_for
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, show_error


def deployment_section(membership, deployment, *, is_head: bool, changes: list[Variation] | None = None) -> dict:
    """What the deployment page shows about changes to its agreement, and who may act on the open one. `changes`:
    the deployment's changes (as `selectors.variations` reads them) when the page has read them already."""
    changes = selectors.variations(deployment=deployment) if changes is None else changes
    open_change = next((v for v in changes if v.is_open), None)
    return {
        "variations": changes, "open_variation": open_change,
        "can_propose_variation": services.can_propose(membership, deployment, open_change),
        "can_decide_variation": open_change is not None and services.can_decide(membership, open_change),
        "variation_four_eyes": (open_change is not None and membership.can("deployments.approve")
                                and open_change.status == VariationStatus.PROPOSED
                                and services.four_eyes_blocks(membership, open_change)),
        "can_confirm_variation": open_change is not None and services.can_confirm(membership, open_change, deployment,
                                                                                  is_head=is_head),
        "can_withdraw_variation": open_change is not None and services.can_withdraw(membership, open_change),
        # The school and the leader cannot propose a change themselves: the page tells them whom to ask.
        "ask_broker_for_variation": (open_change is None and deployment.status in services.VARIABLE
                                     and not membership.can("deployments.manage")),
    }


def _back(partnership_slug: str, deployment_id: int) -> HttpResponse:
    response = redirect("deployments:deployment", partnership_slug=partnership_slug, pk=deployment_id)
    response["Location"] += "#changes"
    return response


def _variation(request: HttpRequest, pk: int) -> Variation:
    return found_or_404(selectors.variations_for(membership=request.membership), pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.manage")
def variation_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = found_or_404(deployments_for(membership=request.membership), pk)
    open_change = selectors.open_variation(deployment=deployment)
    if not services.can_propose(request.membership, deployment, open_change):
        messages.info(request, "A change can be proposed while the deployment is under way or paused, one at a time."
                      if open_change is None else "A change to this deployment is already waiting.")
        return _back(partnership_slug, pk)
    current = current_values(deployment)
    areas = active_specialisms(partnership=request.partnership)
    form = VariationForm(request.POST or None, current=current, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            variation = processes.propose_variation(actor=request.membership, deployment=deployment,
                                                    proposed=form.proposed(), reason=form.cleaned_data["reason"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The change is proposed. " + (
                "Approvers have been asked to decide." if variation.status == VariationStatus.PROPOSED
                else "The school and the system leader have been asked to confirm it."))
            return _back(partnership_slug, pk)
    return render(request, "deployments/variation_new.html", {"deployment": deployment, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.approve")
def variation_decide(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    variation = _variation(request, pk)
    deployment = variation.deployment
    if variation.status != VariationStatus.PROPOSED:
        messages.info(request, "This change is not waiting for approval.")
        return _back(partnership_slug, deployment.pk)
    form = VariationDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.decide(actor=request.membership, variation=variation, deployment=deployment, approve=approve,
                            note=form.cleaned_data["rationale"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "You approved the change. The school and the system leader have been asked to "
                             "confirm it." if approve else "You did not approve the change. The broker has been told.")
            return _back(partnership_slug, deployment.pk)
    return render(request, "deployments/variation_decide.html", {
        "deployment": deployment, "variation": variation, "form": form,
        "four_eyes_blocked": services.four_eyes_blocks(request.membership, variation)})


@require_POST
@capability_required("deployments.confirm")
def variation_confirm(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    variation = _variation(request, pk)
    try:
        processes.confirm_variation(actor=request.membership, variation=variation)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "You confirmed the change. Both sides have now confirmed, so it is in force."
                         if variation.status == VariationStatus.APPLIED
                         else "You confirmed the change. It takes effect once the other side confirms too.")
    return _back(partnership_slug, variation.deployment_id)


def _close_view(request: HttpRequest, partnership_slug: str, pk: int, *, waiting, close, title: str, label: str,
                button: str, done: str) -> HttpResponse:
    """Declining (the head or the leader) or withdrawing (the broker) a change, with a reason."""
    variation = _variation(request, pk)
    deployment = variation.deployment
    if not waiting(variation):
        messages.info(request, "This change is no longer waiting for that.")
        return _back(partnership_slug, deployment.pk)
    form = NoteForm(request.POST or None, label=label, required=True, help_text="Everyone asked about it will read it.")
    back = reverse("deployments:deployment", kwargs={"partnership_slug": partnership_slug, "pk": deployment.pk})
    confirmation = Confirmation(
        title=title, caption=f"{deployment.school.name} · {deployment.reference}",
        happens=["The change does not take effect: the deployment stays as it is now.",
                 "The broker may propose another change."],
        told=["Everyone asked about the change (the broker, the approvers, the school's headteachers and the system "
              "leader, as it reached them), in the app and by email, with your reason."],
        button=button, cancel_url=back + "#changes", form=form, warning="",
        detail="deployments/_variation_versions.html",
        context={"variation": variation, "deployment": deployment, "caption": "The proposed change",
                 "before_label": "Now", "after_label": "Proposed"})
    return confirm(request, confirmation, done_url=back + "#changes", done_message=done,
                   act=lambda data: close(actor=request.membership, variation=variation, deployment=deployment,
                                          reason=data["note"]))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.confirm")
def variation_decline(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return _close_view(
        request, partnership_slug, pk, close=services.decline,
        waiting=lambda v: services.can_confirm(request.membership, v, v.deployment),
        title="Decline the change", label="Why do you not agree the change?", button="Decline the change",
        done="You declined the change. The broker has been told, and the deployment stays as it was.")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.manage")
def variation_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return _close_view(
        request, partnership_slug, pk, close=services.withdraw,
        waiting=lambda v: services.can_withdraw(request.membership, v),
        title="Withdraw the change", label="Why is the change withdrawn?", button="Withdraw the change",
        done="The change is withdrawn. Everyone it asked has been told, and the deployment stays as it was.")
