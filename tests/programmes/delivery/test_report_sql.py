"""The programme reports' one statement (`report_sql.report_rows`, PostgreSQL) reads what the querysets
(`reports.read_by_orm`, the reference) read, for every filter: each year, all programmes or one, every school or
an LA officer's LAs (some, none), with and without the waitlists and the filters' choices; its waitlist rows are
the HTML `waitlist_rows` writes of the querysets' rows, text that must be escaped included. The page and the
exports read the filters' choices with the report, and read it again when the form settles on another year or
programme."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import SafeString

from alliances.models import LocalAuthority
from programmes.delivery import report_sql, reports
from programmes.models import Cohort, Place
from programmes.templatetags.programme_reports import waitlist_rows
from tests.factories import ClusterFactory, PartnershipSchoolFactory, SchoolFactory
from tests.factories.delivery import dl_cohort, dl_evaluation, dl_place, dl_programme, dl_school_impact

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def many(partnership, delivery, broker, headteacher, admin):
    """Two programmes (titles to escape), cohorts in two years, schools in two LAs, clusters, waitlists of
    several lengths, evaluations and headteachers' answers."""
    ealing, _ = LocalAuthority.objects.get_or_create(code="307", defaults={"name": "Ealing"})
    far = SchoolFactory(urn="101900", name="Ealing <School> & \"Sons\" 'Ltd'", la=ealing, phase="secondary")
    PartnershipSchoolFactory(partnership=partnership, school=far)
    other = dl_programme(partnership, created_by=admin.user, title="Deputies' <network> & \"friends\"")
    year = delivery.cohort.academic_year
    ClusterFactory(partnership=partnership, name="Histon cluster", la=delivery.school.la,
                   schools=[delivery.school, far], academic_year=year)
    ClusterFactory(partnership=partnership, name="A cluster", la=delivery.school.la, schools=[delivery.school],
                   academic_year=year)
    cohorts = [dl_cohort(programme, created_by=admin.user, first=delivery.today - timedelta(days=days),
                         name=name)
               for programme, days, name in ((other, 60, "Network <1>"), (other, -20, "Network & 2"),
                                             (delivery.programme, 10, "Spring 'cohort'"))]
    for index, cohort in enumerate([delivery.cohort, *cohorts]):
        dl_place(cohort, far, nominated_by=broker.user, name=f"Eve {index}")
        for waiting in range(index % 3 + 1):
            dl_place(cohort, far if waiting % 2 else delivery.school, nominated_by=broker.user,
                     name=f"Wes {index} {waiting}", status="waitlisted")
    dl_evaluation(delivery.places[0], impact=8)
    dl_evaluation(delivery.places[1], impact=5)
    dl_school_impact(delivery.places[0], due_on=delivery.today, impact=6, answered_by=headteacher.user)
    dl_school_impact(delivery.places[1], due_on=delivery.today)
    Place.objects.filter(pk=delivery.places[0].pk).update(completed_at=delivery.place.created_at)
    return {"year": year, "programmes": [delivery.programme, other], "las": [delivery.school.la_id, "307"]}


def _both(membership, *, year, programme_id, limited_las, today, waitlists=True):
    orm = reports.read_by_orm(membership=membership, year=year, programme_id=programme_id, limited_las=limited_las,
                              today=today, waitlists=waitlists)
    sql = report_sql.report_rows(partnership_id=membership.partnership_id, year=year, programme_id=programme_id,
                                 limited_las=limited_las, today=today, waitlists=waitlists, inputs=True)
    return orm, sql


def test_the_statement_reads_what_the_querysets_read(broker, delivery, many):
    assert connection.vendor == "postgresql"
    years, programmes = reports.report_inputs(broker)
    checked = 0
    for year in (many["year"], "2019-20"):
        for programme_id in ["", *[str(p.pk) for p in many["programmes"]]]:
            for limited_las in (None, many["las"][:1], many["las"][1:], []):
                for today in (delivery.today, delivery.today + timedelta(days=400)):
                    orm, sql = _both(broker, year=year, programme_id=programme_id, limited_las=limited_las,
                                     today=today)
                    assert sql.pop("years") == years and sql.pop("programmes") == programmes
                    written = sql.pop("waitlists")
                    assert isinstance(written, SafeString)
                    assert written == waitlist_rows(orm.pop("waitlists"))
                    assert sql == orm
                    checked += bool(orm["per_school"])
    assert checked >= 8  # most filters find rows
    orm, sql = _both(broker, year=many["year"], programme_id="", limited_las=None, today=delivery.today,
                     waitlists=False)
    assert sql["waitlists"] == orm["waitlists"] == []


def test_the_waitlist_rows_escape_and_order_as_the_loop(broker, delivery, many):
    orm, sql = _both(broker, year=many["year"], programme_id="", limited_las=None, today=delivery.today)
    assert [(name, waiting) for _, name, _, waiting in orm["waitlists"]] == [
        ("Network & 2", 3), ("Network <1>", 2), ("Autumn cohort", 1), ("Spring 'cohort'", 1)]
    assert "Network &amp; 2" in sql["waitlists"] and "Deputies&#x27; &lt;network&gt; &amp; &quot;friends&quot;" \
        in sql["waitlists"] and "Spring &#x27;cohort&#x27;" in sql["waitlists"]
    assert sql["per_school"][0]["school__name"] == "Ealing <School> & \"Sons\" 'Ltd'"


def test_the_kept_waiting_counts_follow_renames_moves_and_emptied_waitlists(broker, delivery, many):
    """Without an LA filter the statement reads the counts the triggers keep by cohort; after a cohort is renamed,
    moved to the other programme and year, and another's waitlist is emptied, it still reads what counting the
    places reads, for every filter."""
    network = Cohort.objects.get(name="Network & 2")
    Cohort.objects.filter(pk=network.pk).update(name="Network <renamed>", programme=many["programmes"][0])
    Place.objects.filter(cohort__name="Network <1>", status="waitlisted").update(status="withdrawn")
    Cohort.objects.filter(name="Spring 'cohort'").update(academic_year="2019-20")
    for year in (many["year"], "2019-20"):
        for programme_id in ["", *[str(p.pk) for p in many["programmes"]]]:
            orm, sql = _both(broker, year=year, programme_id=programme_id, limited_las=None, today=delivery.today)
            assert sql["waitlists"] == waitlist_rows(orm["waitlists"])
            assert sql["waitlist_count"] == orm["waitlist_count"]
    orm, sql = _both(broker, year=many["year"], programme_id="", limited_las=None, today=delivery.today)
    assert [(name, waiting) for _, name, _, waiting in orm["waitlists"]] == [
        ("Network <renamed>", 3), ("Autumn cohort", 1)]
    assert "Network &lt;renamed&gt;" in sql["waitlists"] and "Network &lt;1&gt;" not in sql["waitlists"]


def test_the_page_reads_the_choices_with_the_report_and_again_for_another_year(broker, delivery, many):
    def run(query: str):
        with CaptureQueriesContext(connection) as captured:
            form, report = reports.filtered_report(broker, QueryDict(query) if query else None, today=delivery.today)
        return form, report, len(captured.captured_queries)

    other = many["programmes"][1]
    form, report, asked = run(f"year={many['year']}&programme={other.pk}")
    assert asked == 1 and report.programme.pk == other.pk and report.programme.title == other.title
    assert report.year == many["year"] and form.value("programme") == str(other.pk)
    reference = reports.build_report(membership=broker, year=many["year"], programme_id=str(other.pk),
                                     today=delivery.today)
    assert report.total == reference.total and report.schools == reference.schools
    for query in ("year=1999-00", "programme=nope", f"programme={other.pk + 1000}"):
        form, report, asked = run(query)
        assert report.year == reports.default_year(delivery.today) and report.programme is None
        assert asked == (1 if query == "programme=nope" else 2)
    form, report, asked = run("")
    assert asked == 1 and not form.is_bound and report.programme is None


def test_the_waitlists_come_a_page_at_a_time_the_same_both_ways(broker, delivery, many, monkeypatch):
    """Pages of 2 cohorts: every page the statement reads is the querysets' page, the pages together are the whole
    list in its order, and a number below 1 or past the last page reads the last page, as every list does."""
    whole = reports.read_by_orm(membership=broker, year=many["year"], programme_id="", limited_las=None,
                                today=delivery.today)["waitlists"]
    monkeypatch.setattr(report_sql, "WAITLIST_PAGE", 2)
    monkeypatch.setattr(reports, "WAITLIST_PAGE", 2)
    pages = {}
    for page in (1, 2, 3, 0, -4, 99, 10**12):
        for limited_las in (None, many["las"][1:], []):
            orm = reports.read_by_orm(membership=broker, year=many["year"], programme_id="", limited_las=limited_las,
                                      today=delivery.today, page=page)
            sql = report_sql.report_rows(partnership_id=broker.partnership_id, year=many["year"], programme_id="",
                                         limited_las=limited_las, today=delivery.today, waitlists=True, inputs=False,
                                         page=page)
            assert sql["waitlists"] == waitlist_rows(orm["waitlists"])
            assert sql["waitlist_count"] == orm["waitlist_count"]
            if limited_las is None:
                pages[page] = orm["waitlists"]
                assert orm["waitlist_count"] == len(whole) == 4
    assert pages[1] + pages[2] == whole and len(pages[1]) == 2
    assert pages[3] == pages[0] == pages[-4] == pages[99] == pages[10**12] == pages[2]


def test_the_report_page_shows_one_page_of_waitlists_with_links_to_the_others(client, broker, delivery, many,
                                                                              monkeypatch):
    monkeypatch.setattr(reports, "WAITLIST_PAGE", 3)
    monkeypatch.setattr(report_sql, "WAITLIST_PAGE", 3)
    client.force_login(broker.user)
    base = f"/p/{broker.partnership.slug}/programme-reports/?year={many['year']}"
    first = client.get(base).content.decode()
    assert "4 cohorts with people waiting, most waiting first: 1 to 3 shown." in first
    assert "Network &amp; 2" in first and "Spring &#x27;cohort&#x27;" not in first
    assert 'aria-label="Waitlists pages"' in first
    assert f'href="?year={many["year"]}&amp;page=2#report-waitlists" rel="next"' in first
    second = client.get(base + "&page=2").content.decode()
    assert "4 to 4 shown." in second and "Spring &#x27;cohort&#x27;" in second and "Network &amp; 2" not in second
    assert f'href="?year={many["year"]}&amp;page=1#report-waitlists" rel="prev"' in second
    # the downloads' links keep the filters, not the page
    assert f'export.csv?year={many["year"]}"' in second
