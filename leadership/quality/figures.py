"""The system leadership report: by alliance and designation, for one academic year, leaders designated, the share
deployed (seed 002's "100% deployment"), days delivered per leader, impact (steering group only) and the benefits
final evaluations record for the leaders' own schools (seed 004). Six queries whatever the numbers.

LA officers see only leaders whose home school is in their local authorities, and never impact nor the benefits'
wording (counts only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, Sum

from alliances.models import AllianceSchool, SystemLeader
from deployments.models import Deployment, DeploymentStatus, Review, ReviewKind, ReviewStatus, Visit, VisitStatus
from leadership.quality.selectors import IN_FORCE, year_bounds
from portal.tenancy.models import Membership

WENT_AHEAD = (DeploymentStatus.APPROVED, DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED,
              DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED)
NO_ALLIANCE = "No alliance"


@dataclass
class ReportRow:
    alliance: str
    designation: str
    designation_label: str
    leaders: set[int] = field(default_factory=set)
    deployed: int = 0
    days: Decimal = Decimal(0)
    impact_sum: float = 0.0
    impact_n: int = 0
    benefits: int = 0

    @property
    def designated(self) -> int:
        return len(self.leaders)

    @property
    def share_deployed(self) -> int:
        return round(100 * self.deployed / self.designated) if self.designated else 0

    @property
    def days_per_leader(self) -> Decimal:
        return (self.days / self.designated).quantize(Decimal("0.1")) if self.designated else Decimal(0)

    @property
    def impact(self) -> float | None:
        return round(self.impact_sum / self.impact_n, 1) if self.impact_n else None


@dataclass
class Report:
    year: str
    rows: list[ReportRow]
    total: ReportRow
    show_impact: bool


def _leaders(membership: Membership):
    leaders = SystemLeader.objects.filter(partnership=membership.partnership, status__in=IN_FORCE)
    if not membership.can("directory.all_areas"):
        leaders = leaders.filter(home_school__la__in=membership.local_authorities.values("pk"))
    return leaders


def report(*, membership: Membership, year: str) -> Report:
    partnership = membership.partnership
    start, end = year_bounds(year)
    labels = partnership.designation_labels or {}
    show_impact = membership.can("leadership.impact")
    leaders = list(_leaders(membership).values_list("pk", "designation", "home_school_id"))
    alliances: dict[str, list[str]] = defaultdict(list)
    for school_id, name in (AllianceSchool.objects.filter(partnership=partnership, alliance__is_active=True)
                            .values_list("school_id", "alliance__name").order_by("alliance__name")):
        alliances[school_id].append(name)
    ids = [pk for pk, _, _ in leaders]
    deployed = set(Deployment.objects.filter(partnership=partnership, leader_id__in=ids, status__in=WENT_AHEAD,
                                             start_date__lte=end, end_date__gte=start)
                   .values_list("leader_id", flat=True).distinct())
    days = dict(Visit.objects.filter(partnership=partnership, deployment__leader_id__in=ids,
                                     status=VisitStatus.CONFIRMED, visit_date__gte=start, visit_date__lte=end)
                .order_by().values("deployment__leader_id").annotate(total=Sum("days"))
                .values_list("deployment__leader_id", "total"))
    impact: dict[int, tuple[float, int]] = {}
    if show_impact:
        for leader_id, average, count in (Review.objects.filter(
                partnership=partnership, deployment__leader_id__in=ids, status=ReviewStatus.AGREED,
                impact_score__isnull=False, due_on__gte=start, due_on__lte=end).order_by()
                .values("deployment__leader_id").annotate(average=Avg("impact_score"), n=Count("pk"))
                .values_list("deployment__leader_id", "average", "n")):
            impact[leader_id] = (float(average) * count, count)
    benefits = dict(_benefit_reviews(partnership, ids, start, end).order_by().values("deployment__leader_id")
                    .annotate(n=Count("pk")).values_list("deployment__leader_id", "n"))
    rows: dict[tuple[str, str], ReportRow] = {}
    total = ReportRow("All alliances", "", "All designations")
    for pk, designation, school_id in leaders:
        for alliance in alliances.get(school_id) or [NO_ALLIANCE]:
            key = (alliance, designation)
            row = rows.get(key)
            if row is None:
                row = rows[key] = ReportRow(alliance, designation, labels.get(designation, designation))
            _add(row, pk, deployed, days, impact, benefits)
        _add(total, pk, deployed, days, impact, benefits)  # once, however many alliances the school is in
    ordered = sorted(rows.values(), key=lambda r: (r.alliance == NO_ALLIANCE, r.alliance, r.designation))
    return Report(year=year, rows=ordered, total=total, show_impact=show_impact)


def _add(row: ReportRow, pk: int, deployed, days, impact, benefits) -> None:
    if pk in row.leaders:
        return
    row.leaders.add(pk)
    row.deployed += pk in deployed
    row.days += Decimal(days.get(pk) or 0)
    total, count = impact.get(pk, (0.0, 0))
    row.impact_sum += total
    row.impact_n += count
    row.benefits += benefits.get(pk, 0)


def _benefit_reviews(partnership, leader_ids, start: date, end: date):
    return Review.objects.filter(partnership=partnership, deployment__leader_id__in=leader_ids, kind=ReviewKind.FINAL,
                                 status=ReviewStatus.AGREED, due_on__gte=start, due_on__lte=end).exclude(
        own_school_benefit="")


def benefits(*, membership: Membership, year: str, limit: int | None = 50) -> list[Review]:
    """The final evaluations of the year that say how the leader's own school benefited, newest first (one query).
    Steering group only: the wording is not for LA officers."""
    if not membership.can("leadership.impact"):
        return []
    start, end = year_bounds(year)
    reviews = _benefit_reviews(membership.partnership, _leaders(membership).values("pk"), start, end).select_related(
        "deployment__leader__home_school", "deployment__school").order_by("-due_on", "-pk")
    return list(reviews[:limit] if limit else reviews)
