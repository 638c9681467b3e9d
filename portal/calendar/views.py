from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal.calendar import services
from portal.calendar.forms import CalendarImportForm, PeriodForm
from portal.calendar.models import CalendarPeriod
from portal.calendar.schooldays import SchoolCalendar
from portal.errors import DomainError
from portal.formats import date_text
from portal.ui.confirm import Confirmation, confirm
from portal.ui.views import capability_required


def _page(request: HttpRequest, form: CalendarImportForm | None, problems: list, status: int = 200) -> HttpResponse:
    can_manage = request.membership.can("calendar.manage")
    periods = list(CalendarPeriod.objects.filter(partnership=request.partnership).order_by("-academic_year", "start"))
    school = SchoolCalendar(services.calendar_for(partnership=request.partnership))
    years = defaultdict(list)
    for period in periods:
        period.school_days = school.school_days_between(period.start, period.end) if period.kind == "term" else None
        years[period.academic_year].append(period)
    return render(request, "calendar/calendar.html", {
        "years": dict(years), "provisional_years": school.provisional_years,
        "form": form or (CalendarImportForm() if can_manage else None), "problems": problems,
        "can_manage": can_manage, "warnings": services.year_warnings(partnership=request.partnership) if can_manage else {},
    }, status=status)


@require_http_methods(["GET", "HEAD"])
@capability_required("partnership.view")
def calendar(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return _page(request, None, [])


@require_POST
@capability_required("calendar.manage")
def calendar_import(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = CalendarImportForm(request.POST, request.FILES)
    problems = []
    if form.is_valid():
        try:
            counts = services.import_calendar(actor=request.membership, content=form.cleaned_data["file"].read(),
                                              la_code=form.cleaned_data["la_code"] or None,
                                              provisional=form.cleaned_data["provisional"])
        except services.CalendarInvalid as error:
            form.add_error("file", str(error))
            problems = error.errors
        else:
            messages.success(request, f"Term dates saved for {', '.join(counts)}. Reviews and reminders will follow them.")
            return redirect("tenant:calendar", partnership_slug=partnership_slug)
    return _page(request, form, problems)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("calendar.manage")
def period_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    period = get_object_or_404(CalendarPeriod.objects.filter(partnership=request.partnership), pk=pk) if pk else None
    initial = {k: getattr(period, k) for k in ("academic_year", "kind", "term", "name", "start", "end")} if period else {}
    if period:
        initial["provisional"] = period.academic_year in services.provisional_years(partnership=request.partnership)
    form = PeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            values = dict(form.cleaned_data)
            if period is None and not values["provisional"]:
                values["provisional"] = None  # a new period leaves its year's flag as it is unless ticked
            services.save_period(actor=request.membership, period=period, **values)
        except (DomainError, ValueError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved {form.cleaned_data['name']}.")
            return redirect("tenant:calendar", partnership_slug=partnership_slug)
    return render(request, "calendar/period_form.html", {"form": form, "period": period})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("calendar.manage")
def period_delete(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then delete one period of the term dates."""
    period = get_object_or_404(CalendarPeriod.objects.filter(partnership=request.partnership), pk=pk)
    back = reverse("tenant:calendar_period", kwargs={"partnership_slug": partnership_slug, "pk": pk})
    confirmation = Confirmation(
        title=f"Delete {period.name}?", caption=f"Term dates {period.academic_year}",
        happens=[f"{period.name} ({date_text(period.start)} to {date_text(period.end)}) is deleted.",
                 "Review due dates and reminders are worked out again from the remaining dates."],
        told=[], button=f"Delete {period.name}", cancel_url=back)
    return confirm(request, confirmation, done_url=reverse("tenant:calendar", kwargs={"partnership_slug": partnership_slug}),
                   done_message=f"Deleted {period.name}.",
                   act=lambda data: services.delete_period(actor=request.membership, period=period))
