"""Quality assurance reads: which leaders a member may see, a leader's QA summary for an academic year (or their
whole designation period, for the designation review), the flags, and the leaders needing attention.

Every function here makes a fixed number of queries whatever the number of leaders, reviews or activities."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, CharField, Count, DateField, F, FloatField, IntegerField, Q, QuerySet, Value

from alliances.models import LeaderStatus, SystemLeader
from deployments.models import Deployment, Review, ReviewStatus, Visit
from leadership.models import (
    Competency,
    DesignationReview,
    QAAction,
    QAActionStatus,
    QAActivity,
    QAGroup,
    QAGroupMember,
    QARating,
    RatingLevel,
)
from leadership.quality.services import can_record_for, is_steering_group
from portal.calendar.schooldays import academic_year_of
from portal.tenancy.models import Membership, Partnership

YEAR = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
# An average impact score (1 to 10, from either side) below this is flagged as low impact.
LOW_IMPACT_BELOW = 5
IN_FORCE = (LeaderStatus.ACTIVE, LeaderStatus.UNDER_REVIEW, LeaderStatus.PAUSED)


def year_bounds(year: str) -> tuple[date, date]:
    """1 September to 31 August of an academic year such as "2026-27"."""
    first = int(year[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


def valid_year(text: str | None, today: date) -> str:
    """The academic year asked for (?year=2025-26), or this year's when it is missing or malformed."""
    found = YEAR.fullmatch(text or "")
    if found and int(found[2]) == (int(found[1]) + 1) % 100 and 2000 <= int(found[1]) <= 2100:
        return text
    return academic_year_of(today)


def recent_years(today: date, count: int = 4) -> list[str]:
    first = int(academic_year_of(today)[:4])
    return [f"{y}-{str(y + 1)[2:]}" for y in range(first, first - count, -1)]


# Who may see which leader's QA ------------------------------------------------------------------------------------


def visible_leaders(*, membership: Membership) -> QuerySet[SystemLeader]:
    """The steering group sees every leader; a QA lead the leaders in their group and themselves; a leader only
    themselves. Others (LA officers, heads, admins) none."""
    leaders = SystemLeader.objects.filter(partnership=membership.partnership)
    if is_steering_group(membership):
        return leaders
    if membership.can("quality.view"):
        return leaders.filter(Q(user_id=membership.user_id) | Q(
            pk__in=QAGroupMember.objects.filter(group__lead__user_id=membership.user_id).values("leader_id")))
    return leaders.none()


def own_leader(*, membership: Membership) -> SystemLeader | None:
    if not membership.can("quality.view"):
        return None
    return SystemLeader.objects.filter(partnership=membership.partnership, user_id=membership.user_id).first()


def led_groups(*, membership: Membership) -> list[QAGroup]:
    return list(QAGroup.objects.filter(partnership=membership.partnership, lead__user_id=membership.user_id))


def groups_with_members(*, partnership: Partnership) -> list[tuple[QAGroup, list[SystemLeader]]]:
    """Every QA group with its leaders, by name (two queries)."""
    groups = list(QAGroup.objects.filter(partnership=partnership).select_related("lead"))
    members: dict[int, list[SystemLeader]] = defaultdict(list)
    for row in (QAGroupMember.objects.filter(partnership=partnership).select_related("leader")
                .order_by("leader__name")):
        members[row.group_id].append(row.leader)
    return [(group, members[group.pk]) for group in groups]


def framework(*, partnership: Partnership) -> tuple[list[Competency], list[RatingLevel]]:
    return (list(Competency.objects.filter(partnership=partnership)),
            list(RatingLevel.objects.filter(partnership=partnership)))


def activities_for(*, leader: SystemLeader, start: date | None = None, end: date | None = None) -> list[QAActivity]:
    """The leader's QA activities (newest first) with their ratings and actions attached: three queries."""
    queryset = QAActivity.objects.filter(partnership_id=leader.partnership_id, leader=leader).select_related(
        "recorded_by", "deployment__school", "visit", "review")
    if start is not None:
        queryset = queryset.filter(held_on__gte=start, held_on__lte=end)
    activities = list(queryset)
    _attach(activities)
    return activities


def _attach(activities: list[QAActivity]) -> None:
    ratings: dict[int, list[QARating]] = defaultdict(list)
    actions: dict[int, list[QAAction]] = defaultdict(list)
    ids = [a.pk for a in activities]
    if ids:
        for rating in QARating.objects.filter(activity_id__in=ids).select_related("competency", "level"):
            ratings[rating.activity_id].append(rating)
        for action in QAAction.objects.filter(activity_id__in=ids):
            actions[action.activity_id].append(action)
    for activity in activities:
        activity.rating_rows = ratings[activity.pk]
        activity.action_rows = actions[activity.pk]


def activity(*, membership: Membership, pk: int) -> QAActivity | None:
    """One activity the member may see (its leader is one they may see), with ratings and actions."""
    found = (QAActivity.objects.filter(partnership=membership.partnership, pk=pk,
                                       leader__in=visible_leaders(membership=membership))
             .select_related("leader", "recorded_by", "deployment__school", "visit", "review").first())
    if found is not None:
        _attach([found])
    return found


# The summary -----------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """Everything the QA summary and the designation review show for one leader over one period."""

    leader: SystemLeader
    start: date
    end: date
    deployments: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    leader_impact: float | None = None
    head_impact: float | None = None
    disputed: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    competency_averages: list = field(default_factory=list)  # (competency, average value, nearest level label)
    open_actions: list = field(default_factory=list)
    designation_reviews: list = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def flags_for(*, leader_impact: float | None, head_impact: float | None, disputed: int, review_due: date | None,
              overdue_actions: int, today: date) -> list[str]:
    """The reasons a leader needs the steering group's attention, in the order the pages list them."""
    flags = []
    low = [score for score in (leader_impact, head_impact) if score is not None and score < LOW_IMPACT_BELOW]
    if low:
        flags.append(f"Low impact (average below {LOW_IMPACT_BELOW} out of 10)")
    if disputed:
        flags.append(f"{disputed} disputed visit{'s' if disputed != 1 else ''}")
    if review_due is not None and review_due < today:
        flags.append("Designation review overdue")
    if overdue_actions:
        flags.append(f"{overdue_actions} action{'s' if overdue_actions != 1 else ''} overdue")
    return flags


def summary(*, leader: SystemLeader, start: date, end: date, today: date) -> Summary:
    """The leader's deployments, agreed reviews with both sides' impact scores, disputed visits, QA activities with
    ratings averaged per competency, and open actions, over `start`..`end` (fixed queries)."""
    partnership_id = leader.partnership_id
    result = Summary(leader=leader, start=start, end=end)
    result.deployments = list(Deployment.objects.filter(partnership_id=partnership_id, leader=leader,
                                                        start_date__lte=end, end_date__gte=start)
                              .select_related("school").order_by("start_date", "pk"))
    result.reviews = list(Review.objects.filter(partnership_id=partnership_id, deployment__leader=leader,
                                                status=ReviewStatus.AGREED, due_on__gte=start, due_on__lte=end)
                          .select_related("deployment__school").order_by("due_on", "pk"))
    scores = [r.impact_score for r in result.reviews if r.impact_score is not None]
    heads = [r.head_impact_score for r in result.reviews if r.head_impact_score is not None]
    result.leader_impact = round(sum(scores) / len(scores), 1) if scores else None
    result.head_impact = round(sum(heads) / len(heads), 1) if heads else None
    result.disputed = list(Visit.objects.filter(partnership_id=partnership_id, deployment__leader=leader,
                                                visit_date__gte=start, visit_date__lte=end)
                           .exclude(dispute_reason="").select_related("deployment__school").order_by("visit_date"))
    result.activities = activities_for(leader=leader, start=start, end=end)
    levels = list(RatingLevel.objects.filter(partnership_id=partnership_id))
    by_competency: dict[int, list[int]] = defaultdict(list)
    names: dict[int, Competency] = {}
    for act in result.activities:
        for rating in act.rating_rows:
            by_competency[rating.competency_id].append(rating.level.value)
            names[rating.competency_id] = rating.competency
    for competency_id, values in sorted(by_competency.items(), key=lambda item: (names[item[0]].order, item[0])):
        average = sum(values) / len(values)
        nearest = min(levels, key=lambda level: abs(level.value - average)).label if levels else ""
        result.competency_averages.append((names[competency_id], round(average, 1), nearest, len(values)))
    result.open_actions = list(QAAction.objects.filter(partnership_id=partnership_id, leader=leader,
                                                       status=QAActionStatus.OPEN).order_by("due_on", "pk"))
    for action in result.open_actions:
        action.overdue = action.due_on < today
    result.designation_reviews = list(DesignationReview.objects.filter(partnership_id=partnership_id, leader=leader)
                                      .select_related("decided_by"))
    result.flags = flags_for(leader_impact=result.leader_impact, head_impact=result.head_impact,
                             disputed=len(result.disputed), review_due=leader.review_due,
                             overdue_actions=sum(1 for a in result.open_actions if a.overdue), today=today)
    return result


# Leaders needing attention ---------------------------------------------------------------------------------------


@dataclass
class AttentionRow:
    leader: SystemLeader
    flags: list[str]
    leader_impact: float | None
    head_impact: float | None


def needing_attention(*, partnership: Partnership, year: str, today: date, only: tuple[str, ...] | None = None,
                      read: Callable[[str, Callable[[], QuerySet]], list] | None = None,
                      together: bool = False) -> list[AttentionRow]:
    """Leaders still designated with at least one flag in `year`, by name. Four queries whatever the numbers, each
    the same statement for the same partnership, year and day (the leaders' own picks the flagged ones with the
    other three as subqueries, not with their ids), so a page may keep them: `read(name, build)` reads each
    (`portal.kept.rows`); by default each is built and read.
    `only`: the leader's fields a page shows, when it shows no more (no home school then); the flags' own are read.
    `together` (with `only`): the four as one statement (`UNION ALL`), for a page that keeps it (`portal.kept` writes
    its values in, so PostgreSQL plans it for the values at hand)."""
    read = read or (lambda name, build: list(build()))
    start, end = year_bounds(year)
    pk = partnership.pk

    def agreed():
        return Review.objects.filter(partnership_id=pk, status=ReviewStatus.AGREED, due_on__gte=start,
                                     due_on__lte=end).order_by().values("deployment__leader_id").annotate(
            mine=Avg("impact_score"), head=Avg("head_impact_score"))

    def disputes():
        return (Visit.objects.filter(partnership_id=pk, visit_date__gte=start, visit_date__lte=end)
                .exclude(dispute_reason="").order_by().values("deployment__leader_id"))

    def overdue():
        return (QAAction.objects.filter(partnership_id=pk, status=QAActionStatus.OPEN, due_on__lt=today).order_by()
                .values("leader_id"))

    def leaders():
        low = agreed().filter(Q(mine__lt=LOW_IMPACT_BELOW) | Q(head__lt=LOW_IMPACT_BELOW)).values("deployment__leader_id")
        found = (SystemLeader.objects.filter(partnership_id=pk, status__in=IN_FORCE)
                 .filter(Q(review_due__lt=today) | Q(pk__in=low) | Q(pk__in=disputes()) | Q(pk__in=overdue()))
                 .select_related("home_school").order_by("name", "pk"))
        return found if only is None else found.select_related(None).only("review_due", *only)

    if together:
        impact, disputed, late, found = _read_together(read, only, leaders, agreed, disputes, overdue)
    else:
        impact = {row["deployment__leader_id"]: row for row in read("impact", agreed)}
        disputed = dict(read("disputed", lambda: disputes().annotate(n=Count("pk")).values_list("deployment__leader_id",
                                                                                              "n")))
        late = dict(read("overdue", lambda: overdue().annotate(n=Count("pk")).values_list("leader_id", "n")))
        found = read("leaders", leaders)
    rows = []
    for leader in found:
        scores = impact.get(leader.pk, {})
        mine = round(scores["mine"], 1) if scores.get("mine") is not None else None
        head = round(scores["head"], 1) if scores.get("head") is not None else None
        flags = flags_for(leader_impact=mine, head_impact=head, disputed=disputed.get(leader.pk, 0),
                          review_due=leader.review_due, overdue_actions=late.get(leader.pk, 0), today=today)
        if flags:
            rows.append(AttentionRow(leader, flags, mine, head))
    return rows


def _read_together(read, only: tuple[str, ...] | None, leaders, agreed, disputes, overdue) -> tuple:
    """`needing_attention(together=True)`'s one statement, read: (impact, disputed, late, the flagged leaders). Each
    flagged leader (kind 0: id, review date, the fields `only` names) and the three figures per leader (kinds 1 to
    3) as one UNION ALL, the columns padded with typed NULLs; the leaders first, by name."""
    if not only:
        raise ValueError("`together` reads the leaders' `only` fields")
    shown = tuple(name for name in only if name != "review_due")

    def kind(number: int) -> Value:
        return Value(number, output_field=IntegerField())

    def statement() -> QuerySet:
        no_float, no_date = Value(None, output_field=FloatField()), Value(None, output_field=DateField())
        no_text = [Value(None, output_field=CharField()) for _ in shown]
        # The first part's columns all named annotations, in order: a union's rows are read by its first part's names.
        return (leaders().order_by().annotate(kind=kind(0), leader=F("pk"), due=F("review_due"), first=no_float,
                                              second=no_float, **{f"shown_{name}": F(name) for name in shown})
                .values_list("kind", "leader", "due", "first", "second", *[f"shown_{name}" for name in shown])
                .union(agreed().values_list(kind(1), "deployment__leader_id", no_date, "mine", "head", *no_text),
                       disputes().annotate(n=Count("pk")).values_list(kind(2), "deployment__leader_id", no_date, "n",
                                                                      no_float, *no_text),
                       overdue().annotate(n=Count("pk")).values_list(kind(3), "leader_id", no_date, "n", no_float,
                                                                     *no_text), all=True)
                .order_by("kind", *[f"shown_{name}" for name in shown[:1]], "leader"))

    impact, disputed, late, found = {}, {}, {}, []
    columns = [field.attname for field in SystemLeader._meta.concrete_fields]
    for kind_of_row, leader_id, review_due, first, second, *fields in read("together", statement):
        if kind_of_row == 0:  # a leader with the fields `only` reads (`from_db` takes them in the model's order)
            values = {"id": leader_id, "review_due": review_due, **dict(zip(shown, fields, strict=True))}
            found.append(SystemLeader.from_db("default", [name for name in columns if name in values],
                                              [values[name] for name in columns if name in values]))
        elif kind_of_row == 1:
            impact[leader_id] = {"mine": first, "head": second}
        elif first:
            (disputed if kind_of_row == 2 else late)[leader_id] = int(first)
    return impact, disputed, late, found


def can_record(membership: Membership, leader: SystemLeader) -> bool:
    return can_record_for(membership, leader.pk)


def can_complete(membership: Membership, leader: SystemLeader) -> bool:
    """Whether the member may mark the leader's actions done (the leader, their QA lead, the steering group)."""
    return can_record_for(membership, leader.pk) or (leader.user_id is not None
                                                     and leader.user_id == membership.user_id)


def ungrouped_leaders(*, partnership: Partnership) -> list[SystemLeader]:
    """Leaders still designated who are in no QA group and lead none (one query)."""
    return list(SystemLeader.objects.filter(partnership=partnership, status__in=IN_FORCE)
                .exclude(pk__in=QAGroupMember.objects.filter(partnership=partnership).values("leader_id"))
                .exclude(pk__in=QAGroup.objects.filter(partnership=partnership).values("lead_id"))
                .order_by("name"))


def group_member_ids(*, group: QAGroup) -> list[int]:
    return list(QAGroupMember.objects.filter(group=group).values_list("leader_id", flat=True))
