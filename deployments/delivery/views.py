"""Deployments from approval to close, and their visits: thin views over `delivery` and `processes`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from deployments import processes
from deployments.delivery import lifecycle, page_rows, selectors, visit_rules, visits, watchlist
from deployments.delivery.forms import DecisionForm, ResolveVisitForm, VisitAnswerForm, VisitForm
from deployments.filters import DeploymentFilter
from deployments.models import NOT_COUNTED, DeploymentStatus, Visit, VisitStatus
from deployments.variations.views import deployment_section
from deployments.visibility import deployments_for
from deployments.workflow import is_head_of, is_leader_of
from portal.errors import DomainError
from portal.formats import date_text
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.paging import counted_page
from portal.ui.views import capability_required, found_or_404, query_without_page, show_error

# What the deployments list shows (`deployment_rows`): anything else would load on use, one query a row.
LIST_COLUMNS = ("partnership_id", "school__name", "leader__name", "status", "days", "start_date", "end_date")


def _deployment(request: HttpRequest, pk: int):
    return found_or_404(deployments_for(membership=request.membership), pk)


def _visit(request: HttpRequest, pk: int) -> Visit:
    visible = deployments_for(membership=request.membership).values("pk")
    return found_or_404(Visit.objects.filter(deployment__in=visible).select_related(
        "deployment__school", "deployment__leader", "deployment__request", "deployment__partnership"), pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def deployments_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    # The list shows each deployment's school and system leader: only those are joined (cheaper to plan and run),
    # and only the columns it shows are read (91 columns a row were compiled, read and loaded for eight).
    rows = deployments_for(membership=request.membership).select_related(None).select_related(
        "school", "leader").only(*LIST_COLUMNS)
    filterset = DeploymentFilter(request.GET, queryset=rows, request=request)
    # `listing`'s context, with the page's rows and their count read in one statement (`portal.ui.paging`).
    return render(request, "deployments/deployments.html", {
        "filter": filterset, "page": counted_page(request, filterset.qs), "query": query_without_page(request)})


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def deployment_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    membership = request.membership
    sees_watch = membership.can("brokerage.view")
    deployment = selectors.deployment_page(membership=membership, pk=pk, watching=sees_watch,
                                           lists=("objectives", "visits", "reviews", "variations"))
    if deployment is None:
        raise Http404("Not found")
    visit_rows = page_rows.visits(deployment)
    counted = [v for v in visit_rows if v.status not in NOT_COUNTED]
    is_approver = membership.can("deployments.approve") and lifecycle.awaits_decision(deployment)
    is_head = is_head_of(membership, deployment.school_id)
    is_leader = is_leader_of(membership, deployment)
    logged_days = sum(v.days for v in counted)
    log_block = visit_rules.log_block(deployment=deployment, today=timezone.localdate(), logged=logged_days)
    changes = deployment_section(membership, deployment, is_head=is_head, changes=page_rows.variations(deployment))
    reviews = page_rows.reviews(deployment)
    # The timeline is told the visits, changes and reviews read above (the reviews only when the page lists them
    # all): their keys go into its statement, and the reviews name its review events.
    timeline = selectors.deployment_history(deployment=deployment, visits=visit_rows, variations=changes["variations"],
                                            reviews=reviews if len(reviews) < page_rows.REVIEWS_LISTED else None)
    return render(request, "deployments/deployment.html", {
        **changes, "deployment": deployment, "objectives": page_rows.objectives(deployment),
        "visits": visit_rows, "timeline": timeline,
        "logged_days": logged_days, "confirmed_days": sum(v.days for v in counted
                                                                          if v.status == VisitStatus.CONFIRMED),
        "can_decide": lifecycle.can_decide(membership, deployment),
        "four_eyes_blocked": is_approver and lifecycle.four_eyes_blocks(membership, deployment),
        "can_confirm": lifecycle.can_confirm(membership, deployment, is_head=is_head),
        "can_log": is_leader and not log_block, "log_block": log_block if is_leader else "",
        "changeable": {v.pk for v in visit_rows if visits.can_change(membership, v, deployment=deployment,
                                                                     is_leader=is_leader)},
        "changes": lifecycle.allowed_changes(membership, deployment),
        "can_view_request": membership.can("requests.view"),
        "reviews": reviews, "today": timezone.localdate(),
        "watching": sees_watch and deployment.watching,
        "answerable": {v.pk for v in visit_rows if visits.can_answer(membership, v, deployment=deployment,
                                                                       is_head=is_head)},
        "resolvable": {v.pk for v in visit_rows if visits.can_resolve(membership, v, deployment=deployment)},
        "is_head": is_head, "is_leader": is_leader,
        "is_broker": membership.can("deployments.manage"), "is_approver": membership.can("deployments.approve"),
    })


@require_POST
@capability_required("brokerage.view")
def deployment_watch(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    watch = request.POST.get("watch") != "no"
    watchlist.set_watch(actor=request.membership, deployment=deployment, watch=watch)
    messages.success(request, f"{deployment.reference} is on your watchlist: it shows on your home page." if watch
                     else f"{deployment.reference} is off your watchlist.")
    return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def deployment_agreement(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = selectors.deployment_page(membership=request.membership, pk=pk, people=selectors.AGREEMENT_PEOPLE,
                                           lists=("objectives",))
    if deployment is None:
        raise Http404("Not found")
    return render(request, "deployments/agreement.html", {
        "deployment": deployment, "objectives": page_rows.objectives(deployment),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.approve")
def deployment_decide(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    if not lifecycle.awaits_decision(deployment):
        messages.info(request, "This deployment has already been decided.")
        return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            processes.decide_deployment(actor=request.membership, deployment=deployment,
                                       approve=form.cleaned_data["decision"] == "approve",
                                       rationale=form.cleaned_data["rationale"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"Deployment {deployment.reference} is {deployment.get_status_display().lower()}. "
                                      "Everyone involved has been told.")
            return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/decide.html", {
        "deployment": deployment, "objectives": selectors.objectives(deployment=deployment), "form": form,
    })


@require_POST
@capability_required("deployments.confirm")
def deployment_confirm(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    try:
        processes.confirm_agreement(actor=request.membership, deployment=deployment)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if deployment.status == DeploymentStatus.ACTIVE:
            messages.success(request, "You confirmed the agreement. Both sides have now confirmed, so the work can start.")
        else:
            messages.success(request, "You confirmed the agreement. It starts once the other side confirms too.")
    return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("visits.log")
def visit_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    if not visits.can_log(request.membership, deployment):
        blocked = visit_rules.log_block(deployment=deployment, today=timezone.localdate())
        messages.info(request, blocked or "Visits are logged by the deployment's system leader.")
        return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=pk)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visits.log_visit(actor=request.membership, deployment=deployment, **form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "Visit logged. The school has been asked to confirm it.")
            return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/visit_new.html", {"deployment": deployment, "form": form})


def _changeable_visit(request: HttpRequest, partnership_slug: str, pk: int) -> tuple[Visit, HttpResponse | None]:
    """The visit and the way back to its deployment; the way back alone (with why) when it cannot change."""
    visit = _visit(request, pk)
    back = redirect("deployments:deployment", partnership_slug=partnership_slug, pk=visit.deployment_id)
    if not visits.can_change(request.membership, visit, deployment=visit.deployment):
        messages.info(request, "Only the system leader who logged a visit changes it, and only until the school "
                               "answers it while the deployment is under way.")
        return visit, back
    return visit, None


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("visits.log")
def visit_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    visit, refused = _changeable_visit(request, partnership_slug, pk)
    if refused:
        return refused
    form = VisitForm(request.POST or None, initial=VisitForm.initial_for(visit))
    if request.method == "POST" and form.is_valid():
        try:
            visits.correct_visit(actor=request.membership, visit=visit, **form.values())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Visit corrected. The school has been told what changed.")
            return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=visit.deployment_id)
    return render(request, "deployments/visit_new.html", {"deployment": visit.deployment, "form": form,
                                                          "visit": visit})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("visits.log")
def visit_delete(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    visit, refused = _changeable_visit(request, partnership_slug, pk)
    if refused:
        return refused
    form = NoteForm(request.POST or None, label="Why are you deleting it? (optional)", required=False, rows=2,
                    help_text="For example: logged twice, or the visit was cancelled. The school reads this.")
    deployment = visit.deployment
    back = reverse("deployments:deployment", kwargs={"partnership_slug": partnership_slug, "pk": deployment.pk})
    when = date_text(visit.visit_date)
    confirmation = Confirmation(
        title=f"Delete the visit on {when}?", caption=f"{deployment.school.name} · {deployment.reference}",
        happens=[f"The {'whole' if visit.days == 1 else 'half'}-day visit on {when} ({visit.focus}) no longer counts "
                 "towards the agreed days.", "Log the visit again if you need to."],
        told=["The school's headteachers who were asked to confirm it, in the app and by email, with your reason."],
        button="Delete the visit", cancel_url=back + "#visits", form=form)
    return confirm(request, confirmation, done_url=back,
                   done_message=f"The visit on {when} is deleted. It no longer counts.",
                   act=lambda data: visits.delete_visit(actor=request.membership, visit=visit, reason=data["note"]))


def _visit_decision(request: HttpRequest, partnership_slug: str, pk: int, *, waiting, not_waiting: str,
                    form_class, decide, done, template: str) -> HttpResponse:
    """A decision on one visit: the school's answer, or the broker settling a dispute."""
    visit = _visit(request, pk)
    back = redirect("deployments:deployment", partnership_slug=partnership_slug, pk=visit.deployment_id)
    if not waiting(visit):
        messages.info(request, not_waiting)
        return back
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decide(visit, form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, done(visit))
            return back
    return render(request, template, {"visit": visit, "deployment": visit.deployment, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("visits.confirm")
def visit_answer(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return _visit_decision(
        request, partnership_slug, pk, waiting=visits.awaits_answer, not_waiting="This visit has already been answered.",
        form_class=VisitAnswerForm, template="deployments/visit_answer.html",
        decide=lambda visit, data: processes.answer_visit(actor=request.membership, visit=visit,
                                                         confirm=data["decision"] == "confirm", reason=data["reason"]),
        done=lambda visit: "Visit confirmed." if visit.status == VisitStatus.CONFIRMED else
        "Visit disputed. The broker and the system leader have been told.")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.manage")
def visit_resolve(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return _visit_decision(
        request, partnership_slug, pk, waiting=visits.awaits_settlement, not_waiting="Only a disputed visit needs settling.",
        form_class=ResolveVisitForm, template="deployments/visit_resolve.html",
        decide=lambda visit, data: processes.resolve_dispute(actor=request.membership, visit=visit,
                                                            uphold=data["decision"] == "uphold", note=data["note"]),
        done=lambda visit: "Dispute settled. The school and the system leader have been told.")


# The page for each of the broker's status changes: (title, note label, note required, button). Which changes
# are open to whom is `lifecycle.allowed_changes`; what each does is `processes.change_deployment`. Each is a
# confirmation page that says what will happen and who is told before anything changes.
CHANGE_PAGES = {
    "pause": ("Pause deployment {ref}?", "Why is it paused?", True, "Pause deployment"),
    "resume": ("Resume deployment {ref}?", "Note for everyone involved (optional)", False, "Resume deployment"),
    "stop": ("Stop deployment {ref} early?", "Why is it stopping early?", True, "Stop deployment"),
    "complete": ("Complete deployment {ref}?", "Closing summary", True, "Complete deployment"),
}
CLOSING = ["Days not delivered go back to {leader}'s capacity; only delivered days stay in the ledger.",
           "Termly reviews for terms it no longer reaches are dropped, and the final evaluation is added."]
CHANGE_EFFECTS = {
    "pause": ["The deployment is paused: no visits can be logged or confirmed until it resumes."],
    "resume": ["The deployment is under way again: visits can be logged and confirmed."],
    "stop": ["The deployment closes before its planned end: no more visits can be logged.", *CLOSING],
    "complete": ["The deployment is complete: no more visits can be logged.", *CLOSING],
}
CHANGE_WARNINGS = {"pause": "", "resume": "", "stop": "You cannot undo this.", "complete": "You cannot undo this."}


def _change_view(action: str):
    title, label, required, button = CHANGE_PAGES[action]

    @require_http_methods(["GET", "HEAD", "POST"])
    @capability_required("deployments.manage")
    def view(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
        deployment = _deployment(request, pk)
        back = reverse("deployments:deployment", kwargs={"partnership_slug": partnership_slug, "pk": pk})
        if action not in lifecycle.allowed_changes(request.membership, deployment):
            messages.info(request, f"This deployment is {deployment.get_status_display().lower()}, so you cannot "
                                   f"{action} it.")
            return redirect(back)
        help_text = ("What was done, what changed for the school, and anything to carry forward."
                     if action == "complete" else "Everyone involved will read it.")
        form = NoteForm(request.POST or None, label=label, required=required, help_text=help_text,
                        rows=6 if action == "complete" else 4)
        confirmation = Confirmation(
            title=title.format(ref=deployment.reference), caption=f"{deployment.school.name} · {deployment.leader.name}",
            happens=[line.format(leader=deployment.leader.name) for line in CHANGE_EFFECTS[action]],
            told=[f"The school's headteachers, {deployment.leader.name} and the request's broker, in the app and by "
                  "email, with your note."],
            button=button, cancel_url=back, form=form, warning=CHANGE_WARNINGS[action])
        return confirm(request, confirmation, done_url=back,
                       done_message=lambda: f"Deployment {deployment.reference} is "
                                            f"{deployment.get_status_display().lower()}. Everyone involved has been told.",
                       act=lambda data: processes.change_deployment(actor=request.membership, deployment=deployment,
                                                                    action=action, note=data["note"]))

    view.__name__ = f"deployment_{action}"
    return view


deployment_pause = _change_view("pause")
deployment_resume = _change_view("resume")
deployment_stop = _change_view("stop")
deployment_complete = _change_view("complete")
