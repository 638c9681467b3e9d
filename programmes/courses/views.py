"""Programme and cohort pages: the list (filtered by audience and phase), a programme, a cohort with its sessions,
facilitators, places taken and clashes, and the steering group's forms."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from alliances.models import Phase
from portal.calendar.schooldays import today_in_london
from portal.errors import DomainError
from portal.formats import date_text
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, show_error
from programmes.courses import selectors, services
from programmes.courses.clashes import clashes_for
from programmes.courses.forms import CohortForm, FacilitatorForm, ProgrammeFilterForm, ProgrammeForm, SessionForm
from programmes.delivery.selectors import is_facilitator
from programmes.models import Audience, Cohort, CohortStatus, Facilitator, Programme, ProgrammeStatus, Session

GET_POST = ["GET", "HEAD", "POST"]


def _programme(request: HttpRequest, pk: int) -> Programme:
    return found_or_404(selectors.programmes_for(membership=request.membership), pk)


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    return found_or_404(selectors.cohorts_for(membership=request.membership).select_related("programme", "service"),
                        pk)


def _session(request: HttpRequest, pk: int) -> Session:
    return found_or_404(Session.objects.filter(partnership=request.membership.partnership).select_related("cohort"), pk)


def _facilitator(request: HttpRequest, pk: int) -> Facilitator:
    return found_or_404(Facilitator.objects.filter(partnership=request.membership.partnership).select_related("cohort"),
                        pk)


def _url(name: str, slug: str, pk: int, anchor: str = "") -> str:
    url = reverse(f"programmes:{name}", kwargs={"partnership_slug": slug, "pk": pk})
    return f"{url}#{anchor}" if anchor else url


# Programmes ----------------------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def programmes(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = ProgrammeFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    audience, phase = data.get("audience", ""), data.get("phase", "")
    found = list(selectors.programme_list(membership=request.membership, audience=audience, phase=phase))
    labels, phases = dict(Audience.choices), dict(Phase.choices)
    rows = [{"programme": p, "audiences": ", ".join(str(labels.get(a, a)) for a in p.audiences),
             "phases": ", ".join(str(phases.get(x, x)) for x in p.phases) or "Every phase"} for p in found]
    return render(request, "programmes/courses/programmes.html", {
        "rows": rows, "filter": SimpleNamespace(form=form, is_filtered=bool(audience or phase)),
        "can_manage": request.membership.can("programmes.manage"), "staff": selectors.sees_drafts(request.membership)})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def programme_new(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = ProgrammeForm(request.POST or None, initial={"completion_attendance": 80,
                                                       "completion_needs_evaluation": True})
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.create_programme(actor=request.membership, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The programme is created as a draft. Add a cohort, then publish it.")
            return redirect(_url("programme", partnership_slug, programme.pk))
    return render(request, "programmes/courses/programme_form.html", {"form": form, "programme": None})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def programme_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    back = _url("programme", partnership_slug, pk)
    if programme.status == ProgrammeStatus.ARCHIVED:
        messages.info(request, "This programme is archived, so its details no longer change.")
        return redirect(back)
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_for(programme))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(actor=request.membership, programme=programme, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The programme's details are saved.")
            return redirect(back)
    return render(request, "programmes/courses/programme_form.html", {"form": form, "programme": programme})


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def programme(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _programme(request, pk)
    labels, phases = dict(Audience.choices), dict(Phase.choices)
    return render(request, "programmes/courses/programme.html", {
        "programme": found, "cohorts": selectors.cohorts_of(membership=request.membership, programme=found),
        "audiences": [labels.get(a, a) for a in found.audiences],
        "phases": ", ".join(str(phases.get(x, x)) for x in found.phases) or "Every phase",
        "can_manage": request.membership.can("programmes.manage")})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def programme_publish(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _programme(request, pk)
    back = _url("programme", partnership_slug, pk)
    if found.status != ProgrammeStatus.DRAFT:
        messages.info(request, "This programme is already published.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Publish {found.title}?", caption="Programme",
        happens=["Everyone in the partnership who sees programmes can read it, and its open cohorts."],
        told=[], button="Publish the programme", cancel_url=back,
        warning="A published programme cannot go back to draft; it can be archived.")
    return confirm(request, confirmation, done_url=back, done_message=f"{found.title} is published.",
                   act=lambda data: services.publish_programme(actor=request.membership, programme=found))


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def programme_archive(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _programme(request, pk)
    back = _url("programme", partnership_slug, pk)
    if found.status == ProgrammeStatus.ARCHIVED:
        messages.info(request, "This programme is already archived.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Archive {found.title}?", caption="Programme",
        happens=["It leaves the list of programmes and takes no new cohorts.",
                 "Cohorts already running carry on, with their places and registers."],
        told=[], button="Archive the programme", cancel_url=back)
    return confirm(request, confirmation, done_url=back, done_message=f"{found.title} is archived.",
                   act=lambda data: services.archive_programme(actor=request.membership, programme=found))


# Cohorts -------------------------------------------------------------------------------------------------------

def _cohort_form(request: HttpRequest, cohort: Cohort | None, year: str, initial: dict) -> CohortForm:
    year = request.POST.get("academic_year", "").strip() or year
    choices = list(services.place_services(partnership=request.membership.partnership, academic_year=year))
    if cohort is not None and cohort.service is not None and all(s.pk != cohort.service_id for s in choices):
        choices.append(cohort.service)
    return CohortForm(request.POST or None, initial=initial, services=choices)


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def cohort_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _programme(request, pk)
    back = _url("programme", partnership_slug, pk)
    if found.status == ProgrammeStatus.ARCHIVED:
        messages.info(request, "This programme is archived: it takes no new cohorts.")
        return redirect(back)
    year = request.GET.get("year", "") or services.current_year()
    form = _cohort_form(request, None, year, {"academic_year": year, "minimum": 0, "offer_days": 5})
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.create_cohort(actor=request.membership, programme=found, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The cohort is created as a draft. Add its sessions and facilitators, then "
                                      "open it.")
            return redirect(_url("cohort", partnership_slug, cohort.pk))
    return render(request, "programmes/courses/cohort_form.html", {"form": form, "programme": found,
                                                                    "cohort": None, "back": back})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def cohort_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    back = _url("cohort", partnership_slug, pk)
    if cohort.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        messages.info(request, f"This cohort is {cohort.get_status_display().lower()}, so it no longer changes.")
        return redirect(back)
    initial = {name: getattr(cohort, name) for name in services.COHORT_FIELDS}
    initial["service"] = cohort.service_id
    form = _cohort_form(request, cohort, cohort.academic_year, initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cohort(actor=request.membership, cohort=cohort, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The cohort's details are saved.")
            return redirect(back)
    return render(request, "programmes/courses/cohort_form.html", {"form": form, "programme": cohort.programme,
                                                                    "cohort": cohort, "back": back})


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def cohort(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    sessions = selectors.sessions_of(found)
    facilitators = selectors.facilitators_of(found)
    counts = selectors.place_counts(found)
    can_manage = request.membership.can("programmes.manage")
    clashes = clashes_for(partnership=found.partnership_id, sessions=sessions, facilitators=facilitators) \
        if selectors.sees_drafts(request.membership) else []
    by_session: dict[int, list] = {}
    for clash in clashes:
        by_session.setdefault(clash.session_id, []).append(clash)
    takes_registers = request.membership.can("registers.take") and (  # the steering group and its facilitators
        can_manage or is_facilitator(request.membership, found.pk))
    return render(request, "programmes/courses/cohort.html", {
        "takes_registers": takes_registers, "today": today_in_london(),
        "cohort": found, "programme": found.programme, "service": found.service,
        "sessions": [{"session": s, "clashes": by_session.get(s.pk, [])} for s in sessions],
        "facilitators": facilitators, "clash_count": len(clashes),
        "waitlist": selectors.waitlist_length(counts), "can_manage": can_manage,
        "live": found.status in (CohortStatus.DRAFT, CohortStatus.OPEN),
        "staff": selectors.sees_drafts(request.membership)})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def cohort_open(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    back = _url("cohort", partnership_slug, pk)
    if found.status != CohortStatus.DRAFT:
        messages.info(request, "This cohort is not a draft, so it cannot be opened.")
        return redirect(back)
    window = ""
    if found.applications_open or found.applications_close:
        window = " Applications are taken " + (f"from {date_text(found.applications_open)} " if found.applications_open
                                               else "") + (f"until {date_text(found.applications_close)}"
                                                           if found.applications_close else "") + "."
    confirmation = Confirmation(
        title=f"Open {found.name}?", caption=found.programme.title,
        happens=[f"Headteachers can nominate staff for its {found.places} places, and staff can apply.{window}"],
        told=[], button="Open the cohort", cancel_url=back, warning="")
    return confirm(request, confirmation, done_url=back, done_message=f"{found.name} is open for places.",
                   act=lambda data: services.open_cohort(actor=request.membership, cohort=found))


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def cohort_cancel(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    back = _url("cohort", partnership_slug, pk)
    if found.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        messages.info(request, f"This cohort is {found.get_status_display().lower()}, so it cannot be cancelled.")
        return redirect(back)
    form = NoteForm(request.POST or None, label="Why is the cohort cancelled?", required=True,
                    help_text="Kept with the cohort's history, and given to people who hold places.")
    confirmation = Confirmation(
        title=f"Cancel {found.name}?", caption=found.programme.title,
        happens=["The cohort will not run: no more places are taken, and places already held are withdrawn."],
        told=[], button="Cancel the cohort", cancel_url=back, form=form)
    return confirm(request, confirmation, done_url=back, done_message=f"{found.name} is cancelled.",
                   act=lambda data: services.cancel_cohort(actor=request.membership, cohort=found,
                                                           reason=data["note"]))


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def cohort_complete(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    back = _url("cohort", partnership_slug, pk)
    if found.status != CohortStatus.OPEN:
        messages.info(request, "Only an open cohort can be completed.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Mark {found.name} as completed?", caption=found.programme.title,
        happens=["The cohort's sessions and places no longer change; participants are asked for their evaluation."],
        told=[], button="Complete the cohort", cancel_url=back)
    return confirm(request, confirmation, done_url=back, done_message=f"{found.name} is completed.",
                   act=lambda data: services.complete_cohort(actor=request.membership, cohort=found))


# Sessions ------------------------------------------------------------------------------------------------------

def _warn_clashes(request: HttpRequest, clashes) -> None:
    for clash in clashes:
        messages.warning(request, f"Clash: {clash.leader_name} has {clash.description} on the same day.")


def _session_form_page(request, form, cohort, session, back):
    return render(request, "programmes/courses/session_form.html", {
        "form": form, "cohort": cohort, "session": session, "back": back,
        "asks_reason": bool(form.is_bound and form.errors.get("non_school_day_reason"))
        or bool(session and session.non_school_day_reason)})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def session_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    back = _url("cohort", partnership_slug, pk, "sessions")
    if found.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        messages.info(request, f"This cohort is {found.get_status_display().lower()}, so it takes no sessions.")
        return redirect(back)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session, clashes = services.add_session(actor=request.membership, cohort=found, values=form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{session.title} is added on {date_text(session.date)}.")
            _warn_clashes(request, clashes)
            return redirect(_url("cohort", partnership_slug, pk, f"session-{session.pk}"))
    return _session_form_page(request, form, found, None, back)


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def session_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    session = _session(request, pk)
    back = _url("cohort", partnership_slug, session.cohort_id, f"session-{pk}")
    if session.cohort.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        messages.info(request, "This cohort's sessions no longer change.")
        return redirect(back)
    initial = {name: getattr(session, name) for name in services.SESSION_FIELDS}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session, clashes = services.change_session(actor=request.membership, session=session,
                                                       values=form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{session.title} is saved.")
            _warn_clashes(request, clashes)
            return redirect(back)
    return _session_form_page(request, form, session.cohort, session, back)


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def session_remove(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    session = _session(request, pk)
    back = _url("cohort", partnership_slug, session.cohort_id, "sessions")
    confirmation = Confirmation(
        title=f"Remove {session.title}?", caption=f"{session.cohort.name}, {date_text(session.date)}",
        happens=["The session is deleted from the cohort; the cohort's dates follow its other sessions."],
        told=[], button="Remove the session", cancel_url=back)
    return confirm(request, confirmation, done_url=back, done_message=f"{session.title} is removed.",
                   act=lambda data: services.remove_session(actor=request.membership, session=session))


# Facilitators --------------------------------------------------------------------------------------------------

@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def facilitator_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    back = _url("cohort", partnership_slug, pk, "facilitators")
    if found.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        messages.info(request, f"This cohort is {found.get_status_display().lower()}, so its facilitators stay.")
        return redirect(back)
    leaders = list(selectors.leaders_to_choose(partnership=request.membership.partnership, cohort=found))
    form = FacilitatorForm(request.POST or None, leaders=leaders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            facilitator = services.add_facilitator(
                actor=request.membership, cohort=found, leader=form.leaders.get(data["leader"]), name=data["name"],
                email=data["email"], organisation=data["organisation"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{facilitator.name} is added as a facilitator.")
            if facilitator.leader_id:
                sessions = selectors.sessions_of(found)
                _warn_clashes(request, clashes_for(partnership=found.partnership_id, sessions=sessions,
                                                   facilitators=[facilitator]))
            return redirect(back)
    return render(request, "programmes/courses/facilitator_form.html", {"form": form, "cohort": found, "back": back})


@require_http_methods(GET_POST)
@capability_required("programmes.manage")
def facilitator_remove(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    facilitator = _facilitator(request, pk)
    back = _url("cohort", partnership_slug, facilitator.cohort_id, "facilitators")
    confirmation = Confirmation(
        title=f"Remove {facilitator.name} as a facilitator?", caption=facilitator.cohort.name,
        happens=["They no longer facilitate the cohort's sessions."], told=[], button="Remove the facilitator",
        cancel_url=back, warning="")
    return confirm(request, confirmation, done_url=back, done_message=f"{facilitator.name} is removed.",
                   act=lambda data: services.remove_facilitator(actor=request.membership, facilitator=facilitator))
