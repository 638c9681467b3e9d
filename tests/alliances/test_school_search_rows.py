"""The schools search's narrow rows (alliances migration 0011, PostgreSQL triggers) are always the schools' own name,
postcode, local authority, phase and status, whichever way schools are written, and the search counts in them what
it counted in the schools."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from alliances import selectors
from alliances.choices import Phase, Status
from alliances.importers import run_import
from alliances.models import School, SchoolSearchRow
from tests.concurrency import write_while_held
from tests.factories import LocalAuthorityFactory, SchoolFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the search rows' triggers are PostgreSQL's")

# Names and postcodes that upper-case, space and escape differently: accents, ß (no capital in PostgreSQL's
# UPPER), LIKE's own characters and a backslash.
NAMES = ["St Mary's C of E Academy", "école élémentaire", "Straße School", "100% Attendance_Academy",
         "Back\\slash Primary", "ST MARY'S ACADEMY", "Histon and Impington Junior School"]
POSTCODES = ["CB24 9LQ", "cb24 9lq", "CB249LQ", "", " nn14  6bq "]
TEXTS = ["academy", "ACAD", "st mary", "mary's", "cb24 9lq", "CB249LQ", " cb24   9lq ", "nn146bq", "%", "_", "100%",
         "attendance_a", "\\", "a", "ß", "STRASSE", "École", "élé", "nothing like it", "300001", "399999", "30000"]


def kept() -> set:
    return set(SchoolSearchRow.objects.values_list("urn", "name_upper", "postcode_compact", "la_code", "phase", "status"))


def truth() -> set:
    return set(School.objects.annotate(
        name_upper=Upper("name"), postcode_compact=Replace(Upper("postcode"), Value(" "), Value("")),
    ).values_list("urn", "name_upper", "postcode_compact", "la_id", "phase", "status"))


@pytest.fixture
def areas(db):
    return [LocalAuthorityFactory(code="873", name="Cambridgeshire"), LocalAuthorityFactory(code="307", name="Ealing"),
            None]


def some_schools(areas, first: int = 300000, n: int = 42) -> list[School]:
    phases, statuses = [Phase.PRIMARY, Phase.SECONDARY, ""], list(Status)
    return School.objects.bulk_create([
        School(urn=str(first + i), name=f"{NAMES[i % len(NAMES)]} {i}", postcode=POSTCODES[i % len(POSTCODES)],
               la=areas[i % 3], phase=phases[i % 3], status=statuses[i % 4]) for i in range(n)])


@pytest.mark.django_db
def test_the_rows_follow_every_write(areas):
    some_schools(areas)
    assert kept() == truth() and len(kept()) == 42
    SchoolFactory(urn="399999", name="Added One Academy", la=areas[0], postcode="CB1 2AB")
    assert kept() == truth()
    School.objects.filter(urn__lt="300010").update(name=Upper("name"))
    School.objects.filter(urn__gte="300030").update(postcode="pe19 1aa", la=areas[1], status=Status.CLOSED)
    School.objects.filter(urn__range=("300010", "300019")).update(phase=Phase.NURSERY)
    School.objects.update(pupils=100)  # nothing the search reads: no row is written
    assert kept() == truth()
    School.objects.bulk_create([School(urn=urn, name=f"Upserted {urn}", postcode="SW1A 1AA") for urn in ("300005", "388888")],
                               update_conflicts=True, unique_fields=["urn"], update_fields=["name", "postcode"])
    School.objects.bulk_create([School(urn="300006", name="Ignored"), School(urn="377777", name="New One")],
                               ignore_conflicts=True)
    assert kept() == truth() and SchoolSearchRow.objects.get(urn="300005").name_upper == "UPSERTED 300005"
    one = School.objects.get(urn="300031")
    one.name, one.la, one.postcode = "Renamed School", None, "CB23 7BD"
    one.save()
    School.objects.filter(urn="300032").update(urn="300099")  # a URN that moves
    assert kept() == truth() and not SchoolSearchRow.objects.filter(urn="300032").exists()
    School.objects.filter(urn__in=["300001", "300002", "399999"]).delete()
    School.objects.filter(la__isnull=True).delete()
    assert kept() == truth()
    with connection.cursor() as cursor:  # as the tables' owner: the application's role may not truncate
        cursor.execute("SELECT current_user")
        role = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"SET CONSTRAINTS ALL IMMEDIATE; RESET ROLE; TRUNCATE alliances_school CASCADE; SET ROLE {role}")
    assert kept() == set()


@pytest.mark.django_db
def test_an_import_and_its_repeat_keep_the_rows():
    """COPY for new schools and UPDATE ... FROM for changed ones (alliances.importers.merge)."""
    data = django_settings.SHARED_DATA_DIR / "east_and_ealing"
    assert run_import(data / "dfe_school_spine_2017_18.csv").ok
    assert kept() == truth() and len(kept()) == 3169
    assert run_import(data / "edubase_schools_in_england_2017_subset.csv").ok
    assert run_import(data / "dfe_school_spine_2017_18.csv").ok
    assert kept() == truth() and len(kept()) == School.objects.count()


def _found(membership, text: str, **filters) -> int:
    lookups = {("la_id" if name == "la" else name): value for name, value in filters.items()}
    return selectors.search_schools(selectors.schools_for(membership=membership), text).filter(**lookups).count()


@pytest.mark.django_db
def test_the_search_counts_what_it_finds_in_the_schools(areas, partnership, broker, la_officer):
    some_schools(areas)
    SchoolFactory(urn="399999", name="Lone Academy", la=areas[1], postcode="W5 1AA")
    with scope(partnership=partnership):
        for membership in (broker, la_officer):
            for text in TEXTS:
                for filters in ({}, {"phase": Phase.PRIMARY}, {"la": "873", "status": Status.OPEN}, {"la": "307"}):
                    expected = _found(membership, text, **filters)
                    counted = selectors.searched_school_count(membership=membership, text=text, **filters)
                    assert counted == expected, (membership.role, text, filters)
        assert _found(broker, "academy") > 0 and 0 < _found(broker, "%") < 43 and _found(broker, "ß") > 0


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?q=academy", "?q=ACAD&phase=primary", "?q=st+mary&la=873&status=open&sort=-pupils",
                                   "?q=cb24+9lq", "?q=CB249LQ&page=2", "?q=%25", "?q=300007", "?q=none+such",
                                   "?q=academy&partnership=member", "?q=+++"])
def test_the_list_shows_the_schools_it_counts(client, areas, broker, query):
    some_schools(areas, n=140)
    client.force_login(broker.user)
    html = client.get(f"/p/{broker.partnership.slug}/schools/{query}").content.decode()
    shown = int(re.search(r'role="status"><strong>([\d,]+)</strong>', html).group(1).replace(",", ""))
    text = re.search(r"q=([^&]*)", query).group(1).replace("+", " ").replace("%25", "%")
    expected = selectors.search_schools(School.objects.all(), text)
    for name, value in re.findall(r"[?&](la|phase|status)=([^&]+)", query):
        expected = expected.filter(Q(**{"la_id" if name == "la" else name: value}))
    assert shown == (expected.count() if "partnership" not in query else 0)


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_school_leave_its_last_state(areas):
    """One connection renames a school and holds its transaction; another changes its postcode meanwhile (waiting
    for the school's row), and a third writer adds schools while the first holds: the rows are the schools'."""
    some_schools(areas, n=5)
    write_while_held(
        lambda: (School.objects.filter(urn="300001").update(name="First Writer Academy"),
                 some_schools(areas, first=310000, n=3)),
        lambda: School.objects.filter(urn__in=["300001", "300002"]).update(postcode="ZZ1 1ZZ"),
    )
    with scopes_disabled():
        assert kept() == truth()
        assert SchoolSearchRow.objects.get(urn="300001").name_upper == "FIRST WRITER ACADEMY"
        assert SchoolSearchRow.objects.get(urn="300001").postcode_compact == "ZZ11ZZ"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?q=academy", "?q=cb24+9lq&phase=primary", "?q=300001", "", "?phase=primary&sort=-pupils"])
def test_a_list_makes_as_many_queries_for_few_schools_as_for_many(client, areas, broker, la_officer, query):
    """A broker's and an LA officer's list or search, with 3 schools and with 123: the page's rows and their count are
    one statement, found or not (300001 is not the LA officer's)."""
    counts = []
    for first, n in ((300000, 3), (301000, 120)):
        some_schools(areas, first=first, n=n)
        for membership in (broker, la_officer):
            client.force_login(membership.user)
            client.get(f"/p/{broker.partnership.slug}/schools/{query}")  # the session settles
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/p/{broker.partnership.slug}/schools/{query}").status_code == 200
            counts.append(len(queries))
    assert counts == [8, 8, 8, 8], counts


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["", "1", "2", "3", "4", "0", "-1", "abc", "2.0", "+2", "99", "1" * 25])
def test_the_page_read_with_its_count_is_django_paginators(client, areas, broker, monkeypatch, page):
    """Each kind of page number (none, real, past the end, below 1, not a number, huge) gives the page and count that
    counting then paging gives (the view's other path)."""
    from alliances import views

    some_schools(areas, n=130)
    client.force_login(broker.user)
    path = f"/p/{broker.partnership.slug}/schools/"
    for query in ("", "q=academy&", "q=cb24+9lq&", "phase=primary&sort=-pupils&", "la=873&"):
        url = f"{path}?{query}page={page}"
        kept = client.get(url).content.decode()
        with monkeypatch.context() as patched:
            patched.setattr(views, "_kept_filters", lambda filterset: None)
            counted = client.get(url).content.decode()
        assert re.sub(r'nonce="[^"]+"', "", kept) == re.sub(r'nonce="[^"]+"', "", counted), url
