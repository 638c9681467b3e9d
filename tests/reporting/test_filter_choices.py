"""The filter form's lists in one statement (PostgreSQL) are the four queries' lists, in the same order, and with
the catalogues (the take-up page's form) the five queries'."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from alliances.models import LocalAuthority
from alliances.selectors import visible_local_authorities
from api.viewer import TokenViewer
from portal.calendar.models import CalendarPeriod, CalendarYear
from reporting.filter_choices import _lists_one_by_one, filter_lists
from tests.factories import CatalogueFactory
from tests.factories.alliances import ClusterFactory, LocalAuthorityFactory, SchoolFactory, SpecialismFactory
from tests.factories.deployments import SupportRequestFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one statement is PostgreSQL's")


def _more(world):
    """A calendar over two years (one provisional), clusters of two years, a retired need area, and an LA the
    partnership knows only from a request."""
    p = world.partnership
    for year, start in (("2025-26", date(2025, 9, 3)), ("2026-27", date(2026, 9, 3))):
        CalendarPeriod.objects.create(partnership=p, academic_year=year, kind="term", term="autumn", name="Autumn",
                                      start=start, end=start.replace(month=12, day=18))
        CalendarPeriod.objects.create(partnership=p, academic_year=year, kind="half_term", term="autumn",
                                      name="Half term", start=start.replace(month=10, day=26),
                                      end=start.replace(month=10, day=30))
    CalendarYear.objects.create(partnership=p, academic_year="2026-27", provisional=True)
    CalendarYear.objects.create(partnership=p, academic_year="2025-26", provisional=False)
    ClusterFactory(partnership=p, name="Abbey", academic_year="2025-26", la=world.schools["A"].la)
    ClusterFactory(partnership=p, name="Zed", la=None)
    SpecialismFactory(partnership=p, group="leadership", name="Governance", is_retired=True)
    far = SchoolFactory(urn="999001", name="Far School", la=LocalAuthorityFactory(code="999", name="Aardvark"))
    SupportRequestFactory(partnership=p, school=far, created_by=world.broker.user, status="submitted")
    for year in ("2026-27", "2025-26"):  # the take-up page's form reads them with the lists
        CatalogueFactory(partnership=p, created_by=world.broker.user, academic_year=year)


@pytest.mark.django_db
def test_the_lists_are_the_four_queries_lists(world):
    _more(world)
    with scope(partnership=world.partnership):
        token = TokenViewer.__new__(TokenViewer)
        token.partnership, token._limited = world.partnership, True
        token.local_authorities = type("Areas", (), {"all": lambda self: LocalAuthority.objects.filter(
            code__in=["874", "999"])})()
        found_for = {}
        for member in (world.broker, world.officer, token):
            limited = visible_local_authorities(membership=member)
            with CaptureQueriesContext(connection) as one:
                found = filter_lists(membership=member, limited=limited)
            assert len(one) == 1
            expected = _lists_one_by_one(member, limited)
            assert found == expected
            assert expected.periods and expected.las and expected.clusters and expected.specialisms
            with CaptureQueriesContext(connection) as one:
                with_catalogues = filter_lists(membership=member, limited=limited, catalogues=True)
            assert len(one) == 1
            assert with_catalogues == _lists_one_by_one(member, limited, catalogues=True)
            assert with_catalogues.catalogues and found.catalogues is None
            found_for[member] = found
    assert [p.provisional for p in found.periods] == [False, False, True, True]
    assert list(found.las) == ["999", "874"]  # by name: Aardvark, Peterborough
    assert list(found_for[world.broker].las) == ["999", "873", "307", "874"]  # its schools', clusters' and requests'
    assert [name for _, name, _, _ in found_for[world.broker].clusters][-1] == "Abbey"  # the earlier year last
    assert [(name, retired) for _, name, retired in found_for[world.broker].specialisms][0] == ("Governance", True)
