"""What the system leaders and clusters lists cost over the floor (the ping page): on PostgreSQL the filter's
choice lists in one statement (`alliances.filters.read_together`) and the page's rows with their count in another
(`portal.ui.paging.counted_page`); elsewhere one query a choice list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ClusterFactory, LocalAuthorityFactory, SchoolFactory, SystemLeaderFactory

pytestmark = pytest.mark.django_db


def _over_the_floor(client, slug: str, path: str) -> int:
    client.get(f"/p/{slug}/ping/")
    client.get(f"/p/{slug}{path}")
    with CaptureQueriesContext(connection) as floor:
        assert client.get(f"/p/{slug}/ping/").status_code == 200
    with CaptureQueriesContext(connection) as page:
        assert client.get(f"/p/{slug}{path}").status_code == 200
    return len(page) - len(floor)


@pytest.fixture
def rows(partnership):
    la = LocalAuthorityFactory(code="873", name="Cambridgeshire")
    for n in range(3):
        school = SchoolFactory(urn=f"13908{n}", name=f"School {n}", la=la, phase="")
        SystemLeaderFactory(partnership=partnership, name=f"Leader {n}", home_school=school)
        ClusterFactory(partnership=partnership, name=f"Cluster {n}", la=la)


@pytest.mark.parametrize(("path", "choice_lists"), [
    ("/system-leaders/", 3), ("/system-leaders/?phase=phase_primary&sort=review", 3),
    ("/clusters/", 1), ("/clusters/?sort=-size", 1)])
def test_a_list_reads_its_choices_and_its_counted_page(client, broker, rows, path, choice_lists):
    client.force_login(broker.user)
    statements = 2 if connection.vendor == "postgresql" else choice_lists + 1
    assert _over_the_floor(client, broker.partnership.slug, path) == statements
