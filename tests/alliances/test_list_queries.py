"""What the system leaders and clusters lists cost over the floor (the ping page): on PostgreSQL the filter's
choice lists in one statement (`alliances.filters.read_together`) and the page's rows with their count in another
(`portal.ui.paging.counted_page`); elsewhere one query a choice list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ClusterFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    SystemLeaderFactory,
    default_specialisms,
)

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


def test_the_choice_lists_read_together_are_those_read_one_by_one(rf, broker, partnership, rows):
    from alliances.filters import cluster_rows, local_authority_rows, read_together, specialism_rows

    LocalAuthorityFactory(code="307", name="Ealing O'Brien & \"Co\"")
    default_specialisms(partnership)
    request = rf.get("/")
    request.membership, request.partnership = broker, partnership
    lists = [specialism_rows(request), local_authority_rows(request), cluster_rows(request)]
    with CaptureQueriesContext(connection) as read:
        together = read_together(lists)
    assert together == [list(each.queryset.values_list(*each.fields)) for each in lists]
    assert all(together) and len(read) == (1 if connection.vendor == "postgresql" else 3)
    assert read_together(lists[1:2]) == together[1:2]
