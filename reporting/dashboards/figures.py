"""The dashboards' building blocks: the Table and Dashboard they return, and the pure rules behind figures.

Each figure has one definition (see `reporting.dashboards`); the rules that several tables share live here.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from deployments.models import DeploymentStatus, Rag, RequestProgress, ReviewKind, ReviewStatus
from portal.calendar.schooldays import LONDON, today_in_london
from portal.ui.printed import printed
from reporting.filters import Scope

DELIVERY_STATUSES = (DeploymentStatus.APPROVED, DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED,
                     DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED)
OPEN_STATUSES = (DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED)
# The requests table's columns: each a label and the stages of a request's progress it counts, so a request
# reads as far as its deployment has gone ("Under way", "Completed or stopped"), not where brokerage left it.
REQUEST_COLUMNS = (
    ("Waiting", {RequestProgress.SUBMITTED}),
    ("Taken on", {RequestProgress.TRIAGED}),
    ("Leader found", {RequestProgress.MATCHED, RequestProgress.PROPOSED, RequestProgress.APPROVED}),
    ("Under way", {RequestProgress.ACTIVE, RequestProgress.PAUSED}),
    ("Completed or stopped", {RequestProgress.COMPLETED, RequestProgress.STOPPED}),
    ("Not taken on", {RequestProgress.DECLINED}),
    ("Withdrawn", {RequestProgress.WITHDRAWN, RequestProgress.CANCELLED}),
)
RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
RAG_LABELS = {Rag.RED: "Red: not on track", Rag.AMBER: "Amber: partly on track", Rag.GREEN: "Green: on track",
              "none": "Not yet reviewed"}
NO_CLUSTER = "Not in a cluster this year"


@dataclass
class Table:
    """One table of the dashboard, exported as it is shown. `links` are the first cell's drill-down links."""

    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    numeric_from: int = 1  # columns from this index on are numbers (right-aligned)
    chart: dict | None = None  # {"series": [(column index, label, css modifier), ...]}
    note: str = ""
    sheet: str = ""  # the Excel sheet's name: 31 characters at most

    @property
    def display_rows(self) -> list[tuple[str | None, object, list]]:
        """(drill-down link, first cell, the other cells) for each row."""
        return [(self.links[i] if i < len(self.links) else None, row[0], row[1:]) for i, row in enumerate(self.rows)]

    def body_html(self) -> SafeString:
        """The table's rows as HTML, built here rather than in template loops (a large dashboard has thousands
        of cells): each value escaped and localised as `{{ value }}` would be."""
        rows = []
        for link, first, rest in self.display_rows:
            heading = format_html('<a class="govuk-link" href="?{}">{}</a>', link, printed(first)) if link else printed(first)
            cells = "".join(f'<td class="govuk-table__cell govuk-table__cell--numeric">{printed(cell)}</td>' for cell in rest)
            rows.append(f'<tr class="govuk-table__row">\n<th scope="row" class="govuk-table__header">{heading}</th>\n'
                        f'{cells}\n</tr>')
        return mark_safe("\n".join(rows))  # noqa: S308 - every value above went through conditional_escape

    def chart_html(self) -> SafeString:
        """The chart's rows as HTML (see `body_html`); the bar widths are classes, never inline styles."""
        rows = []
        for row in self.chart_rows:
            bars = "".join(
                f'<span class="app-chart__line"><span class="app-chart__bar app-chart__bar--w{bar["step"]}'
                f'{" app-chart__bar--" + conditional_escape(bar["modifier"]) if bar["modifier"] else ""}"></span>'
                f'<span class="app-chart__value">{printed(bar["value"])}</span></span>' for bar in row["bars"])
            rows.append(f'<div class="app-chart__row">\n<span class="app-chart__label">{printed(row["label"])}</span>\n'
                        f'<span class="app-chart__bars">{bars}</span>\n</div>')
        return mark_safe("\n".join(rows))  # noqa: S308 - every value above went through conditional_escape

    @property
    def chart_rows(self) -> list[dict]:
        """Bars for each row and series, as a percentage of the table's largest value."""
        if not self.chart:
            return []
        columns = [index for index, _, _ in self.chart["series"]]
        top = max((Decimal(row[i] or 0) for row in self.rows for i in columns), default=Decimal(0))
        bars = []
        for row in self.rows:
            values = []
            for index, label, modifier in self.chart["series"]:
                value = Decimal(row[index] or 0)
                width = float(value / top * 100) if top else 0.0
                # The width is a class (app-chart__bar--w0 … w100), not an inline style the CSP would block.
                values.append({"label": label, "value": row[index], "width": round(width, 1), "step": round(width),
                               "modifier": modifier})
            bars.append({"label": row[0], "bars": values})
        return bars


@dataclass
class Dashboard:
    scope: Scope
    headline: dict
    impact: dict
    tables: dict[str, Table]
    deployments: list[dict] = field(default_factory=list)  # at school level: the school's deployments
    school_table: Table | None = None  # the same, as an exportable table


def local_date(moment: datetime | None) -> date | None:
    """The London date of a moment read from the database (aware, as `today_in_london` requires)."""
    if not moment:
        return None
    return moment.astimezone(LONDON).date() if moment.tzinfo is not None else today_in_london(moment)


def london_dates() -> Callable[[datetime | None], date | None]:
    """`local_date` for many moments read from the database: a UTC moment's London date is worked out once per
    hour of UTC (London's clocks change, and its days begin, on the hour in UTC), other moments as they come."""
    seen: dict[tuple, date | None] = {}

    def london_date(moment: datetime | None) -> date | None:
        if moment is None or moment.tzinfo is not UTC:
            return local_date(moment)
        key = (moment.year, moment.month, moment.day, moment.hour)
        found = seen.get(key)
        if found is None:
            found = seen[key] = local_date(moment)
        return found

    return london_date


def window(scope: Scope, *, whole_year: bool = False) -> tuple[datetime, datetime]:
    first, last = (scope.year_start, scope.year_end) if whole_year else (scope.start, scope.end)
    return datetime.combine(first, time.min, tzinfo=LONDON), datetime.combine(last, time.max, tzinfo=LONDON)


def as_days(value) -> Decimal | int:
    """Days as numbers that read well: 3 rather than 3.0, 2.5 stays 2.5."""
    if value is None:
        return 0
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def median_days(pairs: list[tuple[datetime, datetime]]) -> float | None:
    """Median whole days from a request being sent to its deployment being approved (London dates)."""
    days = [(local_date(decided) - local_date(sent)).days for sent, decided in pairs if sent and decided]
    return statistics.median(days) if days else None


def impact_figures(scores: list[int]) -> dict:
    """The average and the distribution of impact scores, with the sum and count that make the average."""
    distribution = Counter(scores)
    total = sum(scores)
    return {
        "count": len(scores), "total": total,
        # Half up, as people round by hand: 29 / 4 = 7.25 shows as 7.3.
        "average": (Decimal(total) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP) if scores else None,
        "distribution": [(score, distribution.get(score, 0)) for score in range(1, 11)],
    }


def impact_responses(reviews: list[dict]) -> tuple[list[int], list[int]]:
    """The scores the impact average counts: the leader's in every agreed review, and the headteacher's own in
    every agreed final evaluation."""
    agreed = [r for r in reviews if r["status"] == ReviewStatus.AGREED]
    leaders = [r["impact_score"] for r in agreed if r["impact_score"]]
    heads = [r["head_impact_score"] for r in agreed if r["kind"] == ReviewKind.FINAL and r["head_impact_score"]]
    return leaders, heads


def worst_rag(ratings: list[str]) -> str:
    return min(ratings, key=lambda r: RAG_ORDER[r]) if ratings else "none"


