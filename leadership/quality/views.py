"""Quality assurance pages: the framework, QA groups, recording QA activities, a leader's QA summary, leaders
needing attention, and the designation review. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from alliances.models import SystemLeader
from leadership.models import Competency, QAAction, QAGroup, RatingLevel
from leadership.quality import selectors
from leadership.quality import services as quality
from leadership.quality.forms import (
    CompetencyForm,
    DesignationReviewForm,
    QAActivityForm,
    QAGroupForm,
    RatingLevelForm,
)
from portal.errors import DomainError
from portal.ui.views import capability_required, found_or_404, show_error


def _leader(request: HttpRequest, pk: int) -> SystemLeader:
    return found_or_404(selectors.visible_leaders(membership=request.membership).select_related("home_school"), pk)


# The framework ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@capability_required("quality.framework")
def framework(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    competencies, levels = selectors.framework(partnership=request.membership.partnership)
    return render(request, "leadership/quality/framework.html", {"competencies": competencies, "levels": levels})


@require_http_methods(["POST"])
@capability_required("quality.framework")
def framework_defaults(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    added = quality.use_default_framework(actor=request.membership)
    messages.success(request, "The default competencies and rating scale were added. Change them to suit the "
                              "partnership." if added else "The framework already has competencies and a scale.")
    return redirect("leadership:qa_framework", partnership_slug=partnership_slug)


def _edit(request, partnership_slug, *, form_class, instance, initial, save, template, noun):
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"The {noun} was saved.")
            return redirect("leadership:qa_framework", partnership_slug=partnership_slug)
    return render(request, template, {"form": form, "instance": instance, "noun": noun})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("quality.framework")
def competency_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    competency = None if pk is None else found_or_404(
        Competency.objects.filter(partnership=request.membership.partnership), pk)
    initial = {} if competency is None else {"title": competency.title, "description": competency.description,
                                             "order": competency.order, "is_active": competency.is_active}
    return _edit(request, partnership_slug, form_class=CompetencyForm, instance=competency, initial=initial,
                 template="leadership/quality/framework_edit.html", noun="competency",
                 save=lambda data: quality.save_competency(actor=request.membership, competency=competency, **data))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("quality.framework")
def rating_level_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    level = None if pk is None else found_or_404(
        RatingLevel.objects.filter(partnership=request.membership.partnership), pk)
    initial = {} if level is None else {"value": level.value, "label": level.label, "meaning": level.meaning}
    return _edit(request, partnership_slug, form_class=RatingLevelForm, instance=level, initial=initial,
                 template="leadership/quality/framework_edit.html", noun="rating",
                 save=lambda data: quality.save_rating_level(actor=request.membership, level=level, **data))


# QA groups and the list of leaders --------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@capability_required("quality.view")
def index(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """The steering group: every QA group and its leaders. A QA lead: their group's leaders. A leader: their own."""
    membership = request.membership
    steering = quality.is_steering_group(membership)
    if steering:
        groups = selectors.groups_with_members(partnership=membership.partnership)
    else:
        led = selectors.led_groups(membership=membership)
        groups = [pair for pair in selectors.groups_with_members(partnership=membership.partnership)
                  if pair[0] in led]
    return render(request, "leadership/quality/index.html", {
        "groups": groups, "steering": steering, "own": selectors.own_leader(membership=membership),
        "ungrouped": selectors.ungrouped_leaders(partnership=membership.partnership) if steering else [],
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("quality.manage")
def group_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    partnership = request.membership.partnership
    group = None if pk is None else found_or_404(QAGroup.objects.filter(partnership=partnership), pk)
    initial = {}
    if group is not None:
        initial = {"name": group.name, "lead": group.lead_id,
                   "members": list(selectors.group_member_ids(group=group))}
    form = QAGroupForm(request.POST or None, initial=initial, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        try:
            saved = quality.save_qa_group(actor=request.membership, group=group, name=form.cleaned_data["name"],
                                          lead=form.cleaned_data["lead"], members=list(form.cleaned_data["members"]))
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"The QA group {saved.name} was saved.")
            return redirect("leadership:qa_index", partnership_slug=partnership_slug)
    return render(request, "leadership/quality/group_edit.html", {"form": form, "group": group})


# QA activities ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("quality.view")
def record(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    leader = _leader(request, pk)
    if not quality.can_record_for(request.membership, leader.pk):
        raise Http404("Not found")
    competencies, levels = selectors.framework(partnership=request.membership.partnership)
    competencies = [c for c in competencies if c.is_active]
    form = QAActivityForm(request.POST or None, leader=leader, competencies=competencies, levels=levels,
                          initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = quality.record_qa_activity(
                actor=request.membership, leader=leader, kind=data["kind"], held_on=data["held_on"],
                deployment=data["deployment"], visit=data["visit"], review=data["review"], ratings=form.ratings(),
                notes=data["notes"], private_notes=data["private_notes"], actions=form.actions())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"The QA activity for {leader.name} was recorded and they have been told.")
            return redirect("leadership:qa_activity", partnership_slug=partnership_slug, pk=activity.pk)
    return render(request, "leadership/quality/record.html", {
        "form": form, "leader": leader, "levels": levels, "has_framework": bool(competencies and levels)})


@require_http_methods(["GET", "HEAD"])
@capability_required("quality.view")
def activity(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = selectors.activity(membership=request.membership, pk=pk)
    if found is None:
        raise Http404("Not found")
    return render(request, "leadership/quality/activity.html", {
        "activity": found, "leader": found.leader,
        "private": quality.sees_private_notes(request.membership, found.leader_id),
        "can_complete": selectors.can_complete(request.membership, found.leader),
    })


@require_http_methods(["POST"])
@capability_required("quality.view")
def action_done(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    action = found_or_404(QAAction.objects.filter(
        partnership=request.membership.partnership,
        leader__in=selectors.visible_leaders(membership=request.membership)).select_related("leader"), pk)
    try:
        quality.complete_qa_action(actor=request.membership, action=action)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The action \u201c{action.description}\u201d is marked done.")
    return redirect("leadership:qa_activity", partnership_slug=partnership_slug, pk=action.activity_id)


# Summaries, attention and the designation review -----------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@capability_required("quality.view")
def mine(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    own = selectors.own_leader(membership=request.membership)
    if own is not None:
        return summary_page(request, own)
    return render(request, "leadership/quality/no_record.html", {})


@require_http_methods(["GET", "HEAD"])
@capability_required("quality.view")
def leader_summary(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return summary_page(request, _leader(request, pk))


def summary_page(request: HttpRequest, leader: SystemLeader) -> HttpResponse:
    today = timezone.localdate()
    year = selectors.valid_year(request.GET.get("year"), today)
    start, end = selectors.year_bounds(year)
    found = selectors.summary(leader=leader, start=start, end=end, today=today)
    return render(request, "leadership/quality/summary.html", {
        "summary": found, "leader": leader, "year": year, "years": selectors.recent_years(today),
        "private": quality.sees_private_notes(request.membership, leader.pk),
        "can_record": quality.can_record_for(request.membership, leader.pk),
        "can_complete": selectors.can_complete(request.membership, leader),
        "can_decide": request.membership.can("designation.decide"),
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("quality.manage")
def attention(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    today = timezone.localdate()
    year = selectors.valid_year(request.GET.get("year"), today)
    rows = selectors.needing_attention(partnership=request.membership.partnership, year=year, today=today)
    return render(request, "leadership/quality/attention.html", {
        "rows": rows, "year": year, "years": selectors.recent_years(today),
        "low_impact_below": selectors.LOW_IMPACT_BELOW})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("designation.decide")
def designation_review(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    leader = _leader(request, pk)
    today = timezone.localdate()
    evidence = selectors.summary(leader=leader, start=leader.designated_on, end=today, today=today)
    form = DesignationReviewForm(request.POST or None, initial={"seen_review_due": leader.review_due.isoformat()})
    in_force = leader.status in quality.LEADER_ALLOWED
    if request.method == "POST" and form.is_valid() and in_force:
        data = form.cleaned_data
        try:
            quality.decide_designation_review(actor=request.membership, leader=leader, outcome=data["outcome"],
                                              reason=data["reason"], seen_review_due=data["seen_review_due"],
                                              extend_to=data["extend_to"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"The outcome of {leader.name}'s designation review was recorded and they "
                                      "have been told.")
            return redirect("leadership:qa_summary", partnership_slug=partnership_slug, pk=leader.pk)
    return render(request, "leadership/quality/designation_review.html", {
        "leader": leader, "summary": evidence, "form": form, "in_force": in_force, "today": today,
        "review_years": request.membership.partnership.designation_review_years,
        "redesignate_to": quality.add_years(today, request.membership.partnership.designation_review_years),
    })
