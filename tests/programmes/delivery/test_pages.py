"""The delivery pages: the register on a phone, participants and attendance, the evaluation with check answers, the
impact on the school, the certificate and the reports, with their permissions and fixed query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from alliances.models import LocalAuthority, School
from portal.audit.models import AuditEvent
from programmes.delivery import views
from programmes.models import AttendanceMark, Evaluation, Place, SchoolImpact
from tests.factories import ClusterFactory, PartnershipSchoolFactory, SchoolFactory, make_member
from tests.factories.delivery import (
    dl_cohort,
    dl_evaluation,
    dl_marks,
    dl_place,
    dl_programme,
    dl_school_impact,
)
from tests.pages import parsed, table_rows, text

pytestmark = [pytest.mark.django_db]


def _url(partnership, path):
    return f"/p/{partnership.slug}/{path}"


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), parsed(response)


def _register_post(places, attendance="present", **reasons):
    data = {}
    for place in places:
        data[f"mark-{place.pk}"] = attendance
        data[f"reason-{place.pk}"] = reasons.get(place.name, "")
    return data


def test_the_facilitator_takes_the_register_on_one_page(client, partnership, delivery, system_leader):
    client.force_login(system_leader.user)
    session = delivery.sessions[0]
    url = _url(partnership, f"sessions/{session.pk}/register/")
    soup = parsed(client.get(url))
    # One fieldset of radios per person, no table.
    assert len(soup.main.select("fieldset")) == 3
    assert not soup.main.select("table")
    assert [legend.get_text(strip=True) for legend in soup.main.select("legend")] == [
        "Alex Able", "Pat Participant", "Robin Reed"]
    data = _register_post(delivery.places)
    data[f"mark-{delivery.places[1].pk}"] = "absent"
    refused = client.post(url, data)
    soup = parsed(refused)
    assert soup.title.get_text().startswith("Error: ")
    assert "Give the reason Alex Able was absent" in soup.select_one(".govuk-error-summary").get_text()
    data[f"reason-{delivery.places[1].pk}"] = "Covering a class"
    saved = client.post(url, data)
    assert saved.status_code == 302 and saved["Location"].endswith(f"cohorts/{delivery.cohort.pk}/participants/")
    assert AttendanceMark.objects.filter(session=session).count() == 3
    assert AuditEvent.objects.filter(action="register.taken").count() == 1


def test_a_register_before_the_sessions_day_says_when_it_opens(client, partnership, delivery, system_leader):
    session = delivery.sessions[0]
    session.date = delivery.today + timedelta(days=3)
    session.save()
    client.force_login(system_leader.user)
    url = _url(partnership, f"sessions/{session.pk}/register/")
    assert "You can take this register from" in text(client.get(url))
    client.post(url, _register_post(delivery.places))
    assert not AttendanceMark.objects.exists()


def test_only_facilitators_and_the_steering_group_open_a_register(client, partnership, delivery, broker, approver,
                                                                    headteacher, participant):
    url = _url(partnership, f"sessions/{delivery.sessions[0].pk}/register/")
    other_leader = make_member(partnership, "system_leader")
    for member, status in ((broker, 200), (other_leader, 404), (approver, 403), (headteacher, 403),
                           (participant, 403)):
        client.force_login(member.user)
        assert client.get(url).status_code == status, member.role


def test_participants_and_attendance_for_the_steering_group_and_facilitators(client, partnership, delivery, broker,
                                                                             system_leader, headteacher, participant):
    for session in delivery.sessions[:4]:
        dl_marks(session, delivery.places, recorded_by=broker.user)
    dl_evaluation(delivery.place)
    Place.objects.filter(pk=delivery.place.pk).update(completed_at=delivery.place.created_at)
    url = _url(partnership, f"cohorts/{delivery.cohort.pk}/participants/")
    client.force_login(system_leader.user)
    rows = table_rows(parsed(client.get(url)), "Participants, attendance and completion")
    assert rows[1][:5] == ["Pat Participant", "Histon and Impington Junior School", "4 of 5 (80%)", "0", "Returned"]
    assert rows[1][5].startswith("Completed")
    for member, status in ((broker, 200), (headteacher, 404), (participant, 404)):
        client.force_login(member.user)
        assert client.get(url).status_code == status


def test_the_participant_checks_and_sends_their_evaluation(client, partnership, delivery, participant):
    client.force_login(participant.user)
    url = _url(partnership, f"places/{delivery.place.pk}/evaluation/")
    soup = parsed(client.get(url))
    labels = [label.get_text(strip=True) for label in soup.select(".govuk-radios__label")]
    assert labels[0] == "1: No impact at all" and labels[-1].startswith("10: ") and len(labels) == 10
    refused = parsed(client.post(url, {"practice_change": ""}))
    assert refused.title.get_text().startswith("Error: ")
    assert client.get(url + "check/")["Location"] == url  # nothing to check yet
    answered = client.post(url, {"practice_change": "I lead moderation in my phase.", "impact": "7"})
    assert answered["Location"] == url + "check/"
    check = text(client.get(url + "check/"))
    assert "I lead moderation in my phase." in check and "7 out of 10: A clear change in practice, shared" in check
    assert not Evaluation.objects.exists()
    sent = client.post(url + "check/")
    assert sent["Location"] == url
    assert Evaluation.objects.get(place=delivery.place).impact == 7
    assert "Evaluation returned" in text(client.get(url))


def test_nobody_else_opens_a_participants_evaluation(client, partnership, delivery, headteacher, system_leader):
    url = _url(partnership, f"places/{delivery.place.pk}/evaluation/")
    for member in (headteacher, system_leader):
        client.force_login(member.user)
        assert client.get(url).status_code == 404


def test_the_head_gives_the_impact_on_the_school(client, partnership, delivery, headteacher, participant):
    row = dl_school_impact(delivery.place, due_on=delivery.today)
    url = _url(partnership, f"school-impact/{row.pk}/")
    client.force_login(participant.user)
    assert client.get(url).status_code == 404
    client.force_login(make_member(partnership, "headteacher").user)
    assert client.get(url).status_code == 404
    client.force_login(headteacher.user)
    assert "What did the programme do for Histon and Impington Junior School?" in text(client.get(url))
    assert client.post(url, {"impact_on_school": "Shared moderation", "impact": "6"})["Location"].endswith(url)
    row.refresh_from_db()
    assert (row.impact, row.impact_on_school) == (6, "Shared moderation")


def test_the_certificate_page_prints_on_a4(client, partnership, delivery, participant, la_officer):
    Place.objects.filter(pk=delivery.place.pk).update(completed_at=delivery.place.created_at)
    url = _url(partnership, f"places/{delivery.place.pk}/certificate/")
    client.force_login(participant.user)
    page = text(client.get(url))
    for expected in ("Certificate of completion", "Pat Participant", delivery.programme.title, "Autumn cohort",
                     "0 of 5 sessions", partnership.name):
        assert expected in page
    client.force_login(la_officer.user)
    assert client.get(url).status_code == 404


# Reports ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def report_data(partnership, delivery, broker, headteacher, admin):
    """A second school in another LA, in a cluster, with a waitlisted place; evaluations and a school answer."""
    ealing, _ = LocalAuthority.objects.get_or_create(code="307", defaults={"name": "Ealing"})
    far = SchoolFactory(urn="101900", name="=HYPERLINK(\"x\") Ealing School", la=ealing, phase="secondary")
    PartnershipSchoolFactory(partnership=partnership, school=far)
    ClusterFactory(partnership=partnership, name="Histon cluster", la=delivery.school.la, schools=[delivery.school],
                   academic_year=delivery.cohort.academic_year)
    dl_place(delivery.cohort, far, nominated_by=broker.user, name="Eve Ealing")
    dl_place(delivery.cohort, far, nominated_by=broker.user, name="Wes Waiting", status="waitlisted")
    dl_evaluation(delivery.places[0], impact=8)
    dl_evaluation(delivery.places[1], impact=5)
    dl_school_impact(delivery.places[0], due_on=delivery.today, impact=6, answered_by=headteacher.user)
    Place.objects.filter(pk=delivery.places[0].pk).update(completed_at=delivery.place.created_at)
    return far


def _report_url(partnership, cohort, suffix=""):
    return _url(partnership, f"programme-reports/{suffix}?year={cohort.academic_year}")


def test_the_report_shows_participation_completion_waitlists_and_impact(client, partnership, delivery, broker,
                                                                        report_data):
    client.force_login(broker.user)
    soup = parsed(client.get(_report_url(partnership, delivery.cohort)))
    by_la = {row[0]: row[1:] for row in table_rows(soup, "Participation by local authority")}
    assert by_la["Cambridgeshire"] == ["3", "1", "33%", "0", "6.5 (2)", "6.0 (1)"]
    assert by_la["Ealing"] == ["1", "0", "0%", "1", "–", "–"]
    by_cluster = {row[0]: row[1] for row in table_rows(soup, "Participation by cluster")}
    assert by_cluster == {"Histon cluster": "3", "Not in a cluster this year": "1"}
    assert {row[0]: row[1] for row in table_rows(soup, "Participation by phase")}["Secondary"] == "1"
    assert table_rows(soup, "People waiting for a place, by cohort") == [["Autumn cohort", delivery.programme.title, "1"]]
    assert "How these figures are made" in soup.main.get_text()


def test_the_report_s_rows_put_in_once_rendered_are_the_page_s_bytes(client, monkeypatch, partnership, delivery,
                                                                     broker, report_data):
    """The page puts its table rows into the response once rendered (`portal.ui.splice`): the same bytes as
    rendering them in place."""
    client.force_login(broker.user)
    url = _report_url(partnership, delivery.cohort)
    def page() -> bytes:  # each response has its own nonce for its script
        return re.sub(rb'nonce="[^"]*"', b'nonce=""', client.get(url).content)

    spliced = page()
    monkeypatch.setattr(views, "render_spliced", render)
    assert page() == spliced
    assert b"\x00" not in spliced and b"Autumn cohort" in spliced


def test_an_la_officer_sees_only_their_las_schools(client, partnership, delivery, la_officer, report_data):
    client.force_login(la_officer.user)
    soup = parsed(client.get(_report_url(partnership, delivery.cohort)))
    assert [row[0] for row in table_rows(soup, "Participation by local authority")] == ["Cambridgeshire"]
    exported = client.get(_report_url(partnership, delivery.cohort, "export.csv"))
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "Ealing" not in body and "Histon and Impington Junior School" in body


def test_the_exports_are_formula_safe(client, partnership, delivery, broker, report_data):
    client.force_login(broker.user)
    exported = client.get(_report_url(partnership, delivery.cohort, "export.csv"))
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["URN", "School", "Local authority"]
    assert rows[1][1] == "'=HYPERLINK(\"x\") Ealing School"
    workbook = load_workbook(io.BytesIO(client.get(_report_url(partnership, delivery.cohort, "export.xlsx")).content))
    sheet = workbook.active
    names = [sheet.cell(row=r, column=2).value for r in range(1, sheet.max_row + 1)]
    assert "'=HYPERLINK(\"x\") Ealing School" in names


def test_reports_and_exports_are_for_the_steering_group_and_la_officers(client, partnership, delivery, headteacher,
                                                                        system_leader, participant, approver):
    for member, status in ((headteacher, 403), (system_leader, 403), (participant, 403), (approver, 200)):
        client.force_login(member.user)
        for suffix in ("", "export.csv", "export.xlsx"):
            assert client.get(_report_url(partnership, delivery.cohort, suffix)).status_code == status


# Query counts -------------------------------------------------------------------------------------------------------

def _grow(partnership, delivery, broker, headteacher, admin):
    """More of everything: another programme with two cohorts, more schools, places, marks and evaluations."""
    programme = dl_programme(partnership, created_by=admin.user, title="Pastoral leadership")
    for index in range(2):
        cohort = dl_cohort(programme, created_by=admin.user, first=delivery.today - timedelta(days=40),
                           name=f"Cohort {index}", facilitators=[delivery.leader])
        for n in range(6):
            school = SchoolFactory(urn=f"3{index}{n:04d}", la=delivery.school.la, phase="primary")
            place = dl_place(cohort, school, nominated_by=headteacher.user, name=f"Person {index} {n}")
            dl_evaluation(place, impact=n + 1)
    for n in range(10):
        dl_place(delivery.cohort, delivery.school, nominated_by=headteacher.user, name=f"Extra {n}")
    places = Place.objects.filter(cohort=delivery.cohort, status="accepted")
    for session in delivery.sessions[:3]:
        AttendanceMark.objects.filter(session=session).delete()
        dl_marks(session, places, recorded_by=broker.user)


@pytest.mark.parametrize("who,path", [
    ("system_leader", "sessions/{session}/register/"),
    ("system_leader", "cohorts/{cohort}/participants/"),
    ("broker", "programme-reports/?year={year}"),
    ("la_officer", "programme-reports/?year={year}"),
    ("participant", "places/{place}/certificate/"),
    ("participant", "places/{place}/evaluation/"),
    ("headteacher", "school-impact/{impact}/"),
    ("system_leader", ""),
    ("participant", ""),
    ("headteacher", ""),
])
def test_each_page_has_a_fixed_query_count(client, partnership, delivery, personas, broker, headteacher, admin,
                                           who, path):
    Place.objects.filter(pk=delivery.place.pk).update(completed_at=delivery.place.created_at)
    impact = dl_school_impact(delivery.places[1], due_on=delivery.today)
    member = personas[who]
    client.force_login(member.user)
    url = _url(partnership, path.format(session=delivery.sessions[0].pk, cohort=delivery.cohort.pk,
                                        year=delivery.cohort.academic_year, place=delivery.place.pk,
                                        impact=impact.pk))
    client.get(url)  # a home's first visit is recorded (an UPDATE), not the next minute's
    small, _ = _count(client, url)
    _grow(partnership, delivery, broker, headteacher, admin)
    SchoolImpact.objects.bulk_create([SchoolImpact(partnership=partnership, place=p, due_on=delivery.today)
                                      for p in Place.objects.filter(cohort=delivery.cohort, name__startswith="Extra")])
    large, _ = _count(client, url)
    assert small == large, f"{url}: {small} queries with little data, {large} with more"
    assert School.objects.count() > 10


def test_the_report_filters_by_programme_and_survives_a_bad_year(client, partnership, delivery, broker, admin,
                                                                 headteacher, report_data):
    other = dl_programme(partnership, created_by=admin.user, title="Deputy heads' network")
    cohort = dl_cohort(other, created_by=admin.user, first=delivery.today - timedelta(days=60), name="Network 1")
    dl_place(cohort, delivery.school, nominated_by=headteacher.user, name="Dee Deputy")
    client.force_login(broker.user)
    everything = parsed(client.get(_report_url(partnership, delivery.cohort)))
    assert {row[0]: row[1] for row in table_rows(everything, "Participation by local authority")}["Cambridgeshire"] == "4"
    one = parsed(client.get(_report_url(partnership, delivery.cohort) + f"&programme={other.pk}"))
    assert table_rows(one, "Participation by local authority") == [["Cambridgeshire", "1", "0", "0%", "0", "–", "–"]]
    assert "Deputy heads' network" in one.select_one(".govuk-caption-l").get_text()
    bad = client.get(_url(partnership, "programme-reports/?year=2026-27%27&programme=nope"))
    assert bad.status_code == 200 and parsed(bad).title.get_text().startswith("Error: ")
