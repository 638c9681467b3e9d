"""Place pages: a cohort's places for the steering group, nominating and applying, a place with its next step,
endorsing, accepting and declining, taking or turning down an offer, withdrawing; a head's staff on programmes
and a participant's own programmes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, show_error
from programmes.models import PlaceStatus
from programmes.places import selectors, services, transitions
from programmes.places.forms import ApplyForm, EndorseForm, NominateForm

S = PlaceStatus


def _back(slug: str, pk: int) -> HttpResponse:
    return redirect("programmes:place", partnership_slug=slug, pk=pk)


def _place(request: HttpRequest, pk: int):
    return found_or_404(selectors.places_for(membership=request.membership).select_related(
        "cohort__programme", "cohort__service__catalogue", "school", "user"), pk)


def _cohort(request: HttpRequest, pk: int):
    return found_or_404(selectors.cohort_for(membership=request.membership, pk=pk), pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("places.decide")
def cohort_places(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    groups = selectors.cohort_places(cohort=cohort)
    return render(request, "programmes/places/cohort_places.html", {
        "cohort": cohort, "groups": groups, "stages": [(key, label, groups[key]) for key, label, _ in selectors.STAGES]})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("places.nominate")
def nominate(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    schools = list(request.membership.schools.order_by("name"))
    problem = services.window_problem(cohort, today=timezone.localdate())
    form = NominateForm(request.POST if request.method == "POST" else None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            place = transitions.nominate(actor=request.membership, cohort=cohort,
                                         school=next(s for s in schools if s.urn == data["school"]), name=data["name"],
                                         email=data["email"], job_role=data["job_role"], today=timezone.localdate())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{place.name} is nominated for {cohort.name}. The steering group will accept "
                             "or decline the nomination; you will hear in the app and by email.")
            return redirect("programmes:staff_places", partnership_slug=partnership_slug)
    return render(request, "programmes/places/nominate.html", {"cohort": cohort, "form": form, "schools": schools,
                                                                "problem": problem})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("places.apply")
def apply(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    school = services.home_school_of(request.membership)
    problem = services.window_problem(cohort, today=timezone.localdate())
    form = ApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            place = transitions.apply(actor=request.membership, cohort=cohort, statement=form.cleaned_data["statement"],
                                      today=timezone.localdate())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"Your application for {cohort.name} is sent to your headteacher to endorse.")
            return _back(partnership_slug, place.pk)
    return render(request, "programmes/places/apply.html", {"cohort": cohort, "form": form, "school": school,
                                                             "problem": problem})


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def place(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    member, today = request.membership, timezone.localdate()
    position = transitions.waitlist_position(found) if found.status == S.WAITLISTED else None
    return render(request, "programmes/places/place.html", {
        "place": found, "cohort": found.cohort, "position": position,
        "can_endorse": services.can_endorse(member, found), "can_decide": services.can_decide(member, found),
        "can_answer": services.can_answer_offer(member, found), "can_withdraw": services.can_withdraw(member, found),
        "refund_problem": services.refund_problem(found, found.cohort, today=today)
        if found.status == S.ACCEPTED else ""})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("places.endorse")
def endorse(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    if not services.can_endorse(request.membership, found):
        messages.info(request, "This place is not waiting for your endorsement.")
        return _back(partnership_slug, pk)
    form = EndorseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        yes = form.cleaned_data["decision"] == "yes"
        try:
            transitions.endorse(actor=request.membership, place=found, endorsed=yes, reason=form.cleaned_data["note"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"You endorsed {found.name}'s application: the steering group will decide."
                             if yes else f"You did not endorse {found.name}'s application. They have been told why.")
            return _back(partnership_slug, pk)
    return render(request, "programmes/places/endorse.html", {"place": found, "form": form})


@require_POST
@capability_required("places.decide")
def accept(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    try:
        done = transitions.accept(actor=request.membership, place=found, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if done.status == S.ACCEPTED:
            messages.success(request, f"{done.name} has a place. They and their headteacher have been told.")
        else:
            messages.success(request, f"The cohort is full, so {done.name} is number "
                             f"{transitions.waitlist_position(done)} on the waitlist. They have been told.")
    if request.POST.get("back") == "cohort":  # accepted from the cohort's places: back there for the next one
        return redirect("programmes:cohort_places", partnership_slug=partnership_slug, pk=found.cohort_id)
    return _back(partnership_slug, pk)


@require_POST
@capability_required("programmes.view")
def take(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    try:
        transitions.take_offer(actor=request.membership, place=found, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{found.name} has taken the place on {found.cohort.name}.")
    return _back(partnership_slug, pk)


def _confirmation(request, slug, found, *, title, happens, told, button, label, required, done, act, warning=None):
    back = reverse("programmes:place", kwargs={"partnership_slug": slug, "pk": found.pk})
    form = NoteForm(request.POST or None, label=label, required=required, help_text="The people told will read it.")
    confirmation = Confirmation(title=title, caption=f"{found.cohort.name} · {found.school.name}", happens=happens,
                                told=told, button=button, cancel_url=back, form=form)
    if warning:
        confirmation.warning = warning
    return confirm(request, confirmation, done_url=back, done_message=done, act=lambda data: act(data["note"]))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("places.decide")
def decline(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    if not services.can_decide(request.membership, found):
        messages.info(request, "This place is not waiting for a decision.")
        return _back(partnership_slug, pk)
    return _confirmation(
        request, partnership_slug, found, title=f"Decline {found.name}'s place?",
        happens=[f"{found.name} will not have a place on {found.cohort.name}. Nothing is charged."],
        told=["The person and their headteacher, in the app and by email, with your reason."],
        button="Decline the place", label="Why is it declined?", required=True, done=f"{found.name}'s place is declined.",
        act=lambda note: transitions.decline(actor=request.membership, place=found, reason=note))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("programmes.view")
def turn_down(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    if not services.can_answer_offer(request.membership, found):
        messages.info(request, "This place is not offered to you.")
        return _back(partnership_slug, pk)
    return _confirmation(
        request, partnership_slug, found, title=f"Turn down the place on {found.cohort.name}?",
        happens=["The place passes to the next person on the waitlist.", "Nothing is charged."],
        told=["The steering group and the school's headteachers."], button="Turn down the place",
        label="Why? (optional)", required=False, done="The place is turned down and passed on.",
        act=lambda note: transitions.turn_down_offer(actor=request.membership, place=found, reason=note))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("programmes.view")
def withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _place(request, pk)
    if not services.can_withdraw(request.membership, found):
        messages.info(request, "This place cannot be withdrawn by you now.")
        return _back(partnership_slug, pk)
    happens = [f"{found.name} will no longer be on {found.cohort.name}."]
    if found.status == S.ACCEPTED:
        problem = services.refund_problem(found, found.cohort, today=timezone.localdate())
        happens.append(problem or "The school's charge for the place is refunded as a credit on its statement.")
    if found.status in (S.ACCEPTED, S.OFFERED):
        happens.append("The place is offered to the next person on the waitlist, if there is one.")
    return _confirmation(
        request, partnership_slug, found, title=f"Withdraw {found.name}'s place?", happens=happens,
        told=["The person, their headteacher and the steering group, in the app and by email."],
        button="Withdraw the place", label="Why is it withdrawn?", required=True,
        done=f"{found.name}'s place is withdrawn.",
        act=lambda note: transitions.withdraw(actor=request.membership, place=found, reason=note,
                                              today=timezone.localdate()))


@require_http_methods(["GET", "HEAD"])
@capability_required("places.nominate")
def staff_places(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return render(request, "programmes/places/staff_places.html", {
        "places": list(selectors.staff_places(membership=request.membership)[:200]),
        "cohorts": list(selectors.open_cohorts(partnership=request.partnership, today=timezone.localdate())[:50])})


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def my_places(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    can_apply = request.membership.can("places.apply")
    return render(request, "programmes/places/my_places.html", {
        "places": list(selectors.my_places(membership=request.membership)[:200]), "can_apply": can_apply,
        "cohorts": list(selectors.open_cohorts(partnership=request.partnership, today=timezone.localdate())[:50])
        if can_apply else []})
