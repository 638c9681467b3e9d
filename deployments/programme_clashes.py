"""Deployment visits as clashes for programme sessions (programmes.courses.clashes): a system leader who
facilitates a session and has a visit logged or planned that day. Registered from DeploymentsConfig.ready(), since
programmes sits below deployments. One query."""

from __future__ import annotations

from datetime import date

from deployments.models import NOT_COUNTED, Visit


def visit_clashes(partnership, leader_ids: list[int], dates: list[date]) -> list[tuple[int, date, str]]:
    visits = (Visit.objects.filter(partnership=partnership, deployment__leader_id__in=leader_ids, visit_date__in=dates)
              .exclude(status__in=NOT_COUNTED).select_related("deployment__school")
              .only("pk", "visit_date", "deployment__leader_id", "deployment__school__name")
              .order_by("visit_date", "pk"))
    return [(v.deployment.leader_id, v.visit_date, f"a deployment visit to {v.deployment.school.name}")
            for v in visits]
