"""The dashboards' hand-computed world (tests/factories/worlds.py) and helpers to read a dashboard."""

from __future__ import annotations

import pytest
from django_scopes import scope

from reporting.dashboards import dashboard
from reporting.filters import DashboardFilterForm
from tests.deployments.conftest import brokerage  # noqa: F401 (the brokerage fixture, for the LA officer's home)
from tests.factories.worlds import TODAY, World, build_world


@pytest.fixture
def world(partnership, broker, la_officer) -> World:
    return build_world(partnership, broker, la_officer)


def board_for(member, **filters):
    with scope(partnership=member.partnership):
        form = DashboardFilterForm({"year": "2026-27", **filters}, membership=member)
        assert form.is_valid(), form.errors
        return dashboard(scope=form.scope(), today=TODAY)


def rows(table) -> list[list]:
    return [[str(cell) for cell in row] for row in table.rows]
