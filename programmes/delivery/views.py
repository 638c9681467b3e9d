"""Delivery pages: a session's register (phone-sized), a cohort's participants and attendance, the participant's
evaluation with its check-answers step, the headteacher's impact on the school, the certificate of completion and
the programme reports with their CSV and Excel exports."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.errors import DomainError
from portal.ui.csv_export import csv_response, xlsx_response
from portal.ui.splice import render_spliced
from portal.ui.views import capability_required, found_or_404, query_without_page, show_error
from programmes.delivery import certificates, evaluations, participants, registers, reports, selectors
from programmes.delivery.forms import EvaluationForm, RegisterForm, SchoolImpactForm
from programmes.models import IMPACT_MEANINGS, Evaluation, Place, SchoolImpact

DRAFT_KEY = "programmes.evaluation.{pk}"


# Registers --------------------------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("registers.take")
def register(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    session = found_or_404(selectors.register_sessions(request.membership).select_related("cohort",
                                                                                          "register_taken_by"), pk)
    today = timezone.localdate()
    places, current = registers.register_rows(session)
    too_early = registers.too_early(session, today)
    form = RegisterForm(request.POST if request.method == "POST" and not too_early else None, places=places,
                        current=current)
    if request.method == "POST" and not too_early and form.is_valid():
        try:
            registers.take_register(actor=request.membership, session=session, marks=form.marks(), today=today)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"Register saved for {session.title}: {len(places)} participants marked.")
            return redirect("programmes:cohort_participants", partnership_slug=partnership_slug, pk=session.cohort_id)
    return render(request, "programmes/delivery/register.html", {
        "session": session, "cohort": session.cohort, "form": form, "too_early": too_early, "places": places})


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def cohort_participants(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    cohort = found_or_404(selectors.cohorts_in_view(request.membership).select_related("programme"), pk)
    today = timezone.localdate()
    sessions, people = participants.cohort_delivery(cohort)
    may_take = request.membership.can("registers.take")
    return render(request, "programmes/delivery/participants.html", {
        "cohort": cohort, "programme": cohort.programme, "participants": people,
        "sessions": sessions, "today": today, "may_take": may_take,
        # Certificates open for the participant, their head and the steering group: facilitators see the date only.
        "sees_certificates": selectors.runs_all_programmes(request.membership)})


# The evaluation ---------------------------------------------------------------------------------------------------

def _own_place(request: HttpRequest, pk: int) -> Place:
    return found_or_404(Place.objects.filter(partnership=request.partnership, user_id=request.user.pk)
                        .select_related("cohort", "cohort__programme"), pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("evaluations.write")
def evaluation(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    place = _own_place(request, pk)
    returned = Evaluation.objects.filter(place=place).first()
    problem = "" if returned else evaluations.evaluation_problem(request.membership, place,
                                                                 today=timezone.localdate())
    draft = request.session.get(DRAFT_KEY.format(pk=place.pk))
    form = EvaluationForm(request.POST if request.method == "POST" else None, initial=draft)
    if request.method == "POST" and not returned and not problem and form.is_valid():
        request.session[DRAFT_KEY.format(pk=place.pk)] = {"practice_change": form.cleaned_data["practice_change"],
                                                          "impact": form.cleaned_data["impact"]}
        return redirect("programmes:evaluation_check", partnership_slug=partnership_slug, pk=place.pk)
    return render(request, "programmes/delivery/evaluation.html", {
        "place": place, "form": form, "returned": returned, "problem": problem,
        "meaning": IMPACT_MEANINGS.get(returned.impact) if returned else ""})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("evaluations.write")
def evaluation_check(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    place = _own_place(request, pk)
    draft = request.session.get(DRAFT_KEY.format(pk=place.pk))
    if not draft or Evaluation.objects.filter(place=place).exists():
        return redirect("programmes:evaluation", partnership_slug=partnership_slug, pk=place.pk)
    error = ""
    if request.method == "POST":
        try:
            evaluations.submit_evaluation(actor=request.membership, place=place,
                                          practice_change=draft["practice_change"], impact=int(draft["impact"]))
        except DomainError as problem:
            error = str(problem)
        else:
            request.session.pop(DRAFT_KEY.format(pk=place.pk), None)
            return redirect("programmes:evaluation", partnership_slug=partnership_slug, pk=place.pk)
    return render(request, "programmes/delivery/evaluation_check.html", {
        "place": place, "draft": draft, "meaning": IMPACT_MEANINGS.get(int(draft["impact"])), "error": error})


# The impact on the school -----------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("evaluations.write")
def school_impact(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    if not request.membership.can("places.nominate"):
        raise Http404("Not found")
    impact = found_or_404(SchoolImpact.objects.filter(partnership=request.partnership,
                                                      place__school__in=request.membership.schools.all())
                          .select_related("place", "place__cohort", "place__cohort__programme", "place__school",
                                          "answered_by"), pk)
    today = timezone.localdate()
    problem = "" if impact.answered_at else evaluations.impact_problem(request.membership, impact, today=today)
    form = SchoolImpactForm(request.POST if request.method == "POST" and not problem else None)
    if request.method == "POST" and not problem and form.is_valid():
        try:
            evaluations.answer_school_impact(actor=request.membership, impact=impact,
                                             text=form.cleaned_data["impact_on_school"],
                                             score=form.cleaned_data["impact"], today=today)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"Thank you: the impact on {impact.place.school.name} is recorded.")
            return redirect("programmes:school_impact", partnership_slug=partnership_slug, pk=impact.pk)
    return render(request, "programmes/delivery/school_impact.html", {
        "impact": impact, "place": impact.place, "form": form, "problem": problem,
        "meaning": IMPACT_MEANINGS.get(impact.impact) if impact.impact else ""})


# The certificate --------------------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.view")
def certificate(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = certificates.certificate_for(pk, request.membership)
    if found is None:
        raise Http404("Not found")
    return render(request, "programmes/delivery/certificate.html", {"certificate": found,
                                                                    "issued_on": timezone.localdate()})


# Reports ----------------------------------------------------------------------------------------------------------

def _report(request: HttpRequest, *, waitlists: bool = True):
    return reports.filtered_report(request.membership, request.GET or None, today=timezone.localdate(),
                                   waitlists=waitlists)


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.reports")
def programme_reports(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form, report = _report(request)
    # Its table rows (thousands of waitlist rows at scale) go into the response once it is rendered
    # (portal/ui/splice.py).
    return render_spliced(request, "programmes/delivery/reports.html", {
        "form": form, "report": report, "header": reports.HEADER, "query": query_without_page(request)})


def _export_name(report) -> str:
    return f"programmes-{report.year}" + (f"-programme-{report.programme.pk}" if report.programme else "")


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.reports")
def programme_reports_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    _, report = _report(request, waitlists=False)
    return csv_response(f"{_export_name(report)}.csv", reports.EXPORT_COLUMNS, reports.export_rows(report))


@require_http_methods(["GET", "HEAD"])
@capability_required("programmes.reports")
def programme_reports_xlsx(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    _, report = _report(request, waitlists=False)
    return xlsx_response(f"{_export_name(report)}.xlsx", f"Programmes {report.year}", reports.EXPORT_COLUMNS,
                         reports.export_rows(report),
                         description=f"{request.partnership.name}: programme participation, {report.year}")
