"""The counts of schools by local authority, phase and status (alliances migration 0010, PostgreSQL triggers) are
always the schools', whichever way schools are written, and the schools list shows the count it counted before."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import connection
from django_scopes import scope

from alliances import selectors
from alliances.choices import Phase, Status
from alliances.models import School, SchoolCount
from tests.factories import LocalAuthorityFactory, SchoolFactory

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the counts' triggers are PostgreSQL's")]


def kept() -> dict:
    return {(c.la_code, c.phase, c.status): c.n for c in SchoolCount.objects.all() if c.n}


def counted() -> dict:
    return dict(Counter(School.objects.values_list("la_id", "phase", "status")))


@pytest.fixture
def areas(db):
    return [LocalAuthorityFactory(code="873", name="Cambridgeshire"), LocalAuthorityFactory(code="307", name="Ealing"),
            None]


def test_the_counts_follow_every_write(areas):
    phases, statuses = [Phase.PRIMARY, Phase.SECONDARY, ""], list(Status)
    School.objects.bulk_create([School(urn=str(300000 + i), name=f"School {i}", la=areas[i % 3],
                                       phase=phases[i % 2 + (i % 5 == 0)], status=statuses[i % 4]) for i in range(90)])
    assert kept() == counted() and sum(kept().values()) == 90
    SchoolFactory(urn="399999", la=areas[0], phase=Phase.PRIMARY)
    assert kept() == counted()
    School.objects.filter(urn__lt="300030").update(phase=Phase.NURSERY)
    School.objects.filter(urn__gte="300060").update(la=areas[1], status=Status.CLOSED)
    School.objects.filter(la=areas[0]).update(name="Renamed")  # no key moves: no count changes
    assert kept() == counted()
    one = School.objects.get(urn="300061")
    one.la, one.status = None, Status.OPEN
    one.save()
    assert kept() == counted()
    School.objects.filter(urn__in=["300001", "300002", "399999"]).delete()
    School.objects.filter(la__isnull=True).delete()
    assert kept() == counted()
    School.objects.all().delete()
    assert kept() == {}


def test_an_la_officer_counts_their_areas_only(areas, partnership, la_officer):
    School.objects.bulk_create([School(urn=str(310000 + i), name=f"S{i}", la=areas[i % 3],
                                       phase=Phase.PRIMARY if i % 2 else Phase.SECONDARY) for i in range(30)])
    with scope(partnership=partnership):
        for filters in ({}, {"phase": Phase.PRIMARY}, {"la": "873", "status": Status.OPEN}, {"la": "307"}):
            lookups = {("la_id" if name == "la" else name): value for name, value in filters.items()}
            expected = selectors.schools_for(membership=la_officer).filter(**lookups).count()
            assert selectors.school_count(membership=la_officer, **filters) == expected, filters
            assert expected == School.objects.filter(la_id="873").filter(**lookups).count()


@pytest.mark.parametrize("query", ["", "?phase=primary", "?la=873&status=open&sort=-pupils", "?page=2", "?q=S1",
                                   "?la=307", "?status=closed"])
def test_the_list_shows_the_schools_it_counts(client, areas, broker, query):
    School.objects.bulk_create([School(urn=str(320000 + i), name=f"S{i}", la=areas[i % 3], pupils=i,
                                       phase=Phase.PRIMARY if i % 2 else Phase.SECONDARY) for i in range(130)])
    client.force_login(broker.user)
    html = client.get(f"/p/{broker.partnership.slug}/schools/{query}").content.decode()
    shown = re.search(r'role="status"><strong>([\d,]+)</strong>', html).group(1)
    lookups = {"": {}, "?phase=primary": {"phase": "primary"}, "?la=873&status=open&sort=-pupils":
               {"la_id": "873", "status": "open"}, "?page=2": {}, "?q=S1": {"name__icontains": "S1"},
               "?la=307": {"la_id": "307"}, "?status=closed": {"status": "closed"}}[query]
    assert int(shown.replace(",", "")) == School.objects.filter(**lookups).count()
