"""Dashboards: what support goes where, with what impact, for LA officers and the steering group.

`dashboard(scope=...)` reads a fixed number of slim queries (`reads`, whatever the data size) and computes
every figure from them in Python (`tables`), so each figure has one definition, written down here and on
the page:

* a request counts in the period it was sent in; a deployment counts in every period its dates overlap
  (once approved: approved, under way, paused, completed or stopped early);
* days committed are the capacity ledger's rows for the selected terms; days delivered are visits the
  school confirmed (or the broker upheld) dated in the period;
* a review counts in the period it falls due in; "overdue" means still to write after its due date;
* an open deployment's Red/Amber/Green is the worst objective rating in its latest sent or agreed review;
* the impact average is the mean of every impact score in agreed reviews: the system leader's score in each
  agreed termly review and final evaluation, and the headteacher's own score in each agreed final evaluation.
"""

from __future__ import annotations

from datetime import date

from deployments.models import Deployment, DeploymentStatus, ReviewKind, ReviewStatus
from portal.calendar.schooldays import today_in_london
from reporting.dashboards import tables
from reporting.dashboards.figures import (
    RAG_LABELS,
    Dashboard,
    Table,
    as_days,
    impact_figures,
    impact_responses,
    median_days,
    worst_rag,
)
from reporting.dashboards.kept import kept_figures
from reporting.dashboards.reads import Facts, read_facts
from reporting.filters import Scope

__all__ = ["Dashboard", "Table", "dashboard", "export_table", "impact_figures", "impact_responses", "median_days", "worst_rag"]


def dashboard(*, scope: Scope, today: date | None = None) -> Dashboard:
    """Every figure for `scope`: two queries on PostgreSQL (`reads`), four at most elsewhere, whatever the data
    size; on PostgreSQL, kept in the cache while nothing they read changes (`kept`), one query then."""
    today = today or today_in_london()
    return Dashboard(scope=scope, **kept_figures(scope, today, lambda: work_out(scope=scope, today=today)))


def work_out(*, scope: Scope, today: date) -> dict:
    """The dashboard's figures worked out from the database (`Dashboard`'s fields but its scope)."""
    facts = read_facts(scope)
    impact = _impact(facts)
    return dict(
        headline=tables.headline(scope, facts, today), impact=impact,
        tables={
            "breakdown": tables.breakdown(scope, facts, tables.groups(scope, facts), today),
            "requests": FROM_REQUESTS["requests"](scope, facts),
            "deployments": tables.deployments_by_status(facts),
            "reviews": tables.reviews_table(facts.reviews, today),
            "rag": tables.rag_table(facts.rag_of),
            "impact": Table("impact", "Impact scores", ["Score (1 low to 10 high)", "Responses"],
                            [[str(score), count] for score, count in impact["distribution"]],
                            chart={"series": [(1, "Responses", "")]}),
            "capacity": FROM_REQUESTS["capacity"](scope, facts),
            "terms": FROM_REQUESTS["terms"](scope, facts),
        },
        **_school_level(scope, facts),
    )


# The tables made from the requests' statement alone (see `reads`): their downloads read nothing else.
FROM_REQUESTS = {"requests": tables.requests_by_need, "capacity": tables.capacity, "terms": tables.capacity_by_term}


def export_table(*, scope: Scope, key: str, today: date | None = None) -> Table:
    """One table of `dashboard(scope)` (or its school's deployments, "school"), for its download: the same
    table the page shows, computed from the facts it needs."""
    if key in FROM_REQUESTS:
        return FROM_REQUESTS[key](scope, read_facts(scope, requests_only=True))
    board = dashboard(scope=scope, today=today)
    return board.school_table if key == "school" else board.tables[key]


def _impact(facts: Facts) -> dict:
    """The impact average and distribution, with how many responses of each kind make it."""
    scores, head_scores = impact_responses(facts.reviews)
    impact = impact_figures(scores + head_scores)
    impact["leader_scores"] = len(scores)
    impact["head_scores"] = len(head_scores)
    impact["reviews"] = len({r["pk"] for r in facts.reviews if r["status"] == ReviewStatus.AGREED and (
        r["impact_score"] or (r["kind"] == ReviewKind.FINAL and r["head_impact_score"]))})
    return impact


def _school_level(scope: Scope, facts: Facts) -> dict:
    """At school level: the school's deployments, listed and as an exportable table."""
    school_deployments = []
    if scope.level == "school":
        for d in facts.in_period:
            school_deployments.append({**d, "reference": Deployment.reference_for(d["pk"]),
                                       "status_label": DeploymentStatus(d["status"]).label,
                                       "committed": as_days(facts.committed.get(d["pk"])),
                                       "delivered": as_days(facts.delivered.get(d["pk"])),
                                       "rag": facts.rag_of.get(d["pk"])})
    school_table = Table("school", f"Deployments at {scope.school.name}" if scope.school else "Deployments",
                         ["Deployment", "System leader", "Designation", "Starts", "Ends", "Status", "Days committed",
                          "Days delivered", "Progress"], sheet="Deployments at the school", numeric_from=6)
    for d in school_deployments:
        school_table.rows.append([d["reference"], d["leader__name"], d["leader__designation"],
                                  d["start_date"], d["end_date"], d["status_label"], d["committed"], d["delivered"],
                                  RAG_LABELS.get(d["rag"], "") if d["rag"] else ""])
    return {"deployments": school_deployments, "school_table": school_table}
