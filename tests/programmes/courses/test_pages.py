"""The programme and cohort pages for each role: the broker's forms with their errors, the list's filters, drafts
hidden from those who do not run programmes, a session on a non-school day asking for its reason, clash warnings,
and fixed query counts on the list, programme and cohort pages."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deployments.models import DeploymentStatus
from programmes.models import Cohort, PlaceStatus, Programme, ProgrammeStatus, ServiceKind, Session
from tests.factories import DeploymentFactory, ServiceFactory, SystemLeaderFactory, VisitFactory
from tests.factories.courses import CohortFactory, FacilitatorFactory, PlaceFactory, ProgrammeFactory, SessionFactory
from tests.pages import banners, done, parsed, table_rows, text

pytestmark = [pytest.mark.django_db]

PROGRAMME_POST = {"title": "Leading from the middle", "summary": "For middle leaders.", "aims": "Lead a team well",
                  "outcomes": "Leads a team\n\nPlans improvement\n", "audiences": ["middle_leaders", "subject_leaders"],
                  "phases": ["primary"], "delivery_partner": "", "completion_attendance": "80",
                  "completion_needs_evaluation": "on"}
SESSION_POST = {"title": "Day 1", "date": "6/10/2026", "starts_at": "09:30", "ends_at": "15:30",
                "venue": "Histon", "online_link": ""}


def _url(partnership, *parts):
    return f"/p/{partnership.slug}/" + "".join(f"{p}/" for p in parts)


def _errors(soup) -> list[str]:
    return [a.get_text(" ", strip=True) for a in soup.select(".govuk-error-summary__list a")]


def test_a_broker_creates_publishes_and_filters_programmes(client, partnership, broker, headteacher):
    client.force_login(broker.user)
    page = parsed(client.post(_url(partnership, "programmes", "new"), {**PROGRAMME_POST, "audiences": [],
                                                                        "completion_attendance": "120"}))
    assert _errors(page) == ["Choose who the programme is for", "Enter 100 or less"]
    response = client.post(_url(partnership, "programmes", "new"), PROGRAMME_POST, follow=True)
    programme = Programme.objects.get(partnership=partnership)
    done(response, _url(partnership, "programmes", programme.pk), "created as a draft")
    assert programme.outcomes == ["Leads a team", "Plans improvement"]
    assert programme.audiences == ["middle_leaders", "subject_leaders"]

    # A head does not see a draft; the broker sees it with its status.
    client.force_login(headteacher.user)
    assert client.get(_url(partnership, "programmes", programme.pk)).status_code == 404
    assert "No programmes are published yet" in text(client.get(_url(partnership, "programmes")))
    client.force_login(broker.user)
    done(client.post(_url(partnership, "programmes", programme.pk, "publish"), follow=True),
         _url(partnership, "programmes", programme.pk), "is published")
    ProgrammeFactory(partnership=partnership, title="NPQH", audiences=["aspiring_heads"], phases=["secondary"])

    client.force_login(headteacher.user)
    rows = table_rows(parsed(client.get(_url(partnership, "programmes"))), "2 programmes")
    assert [row[0] for row in rows] == ["Leading from the middle", "NPQH"]
    filtered = parsed(client.get(_url(partnership, "programmes"), {"audience": "middle_leaders"}))
    assert [row[0] for row in table_rows(filtered, "1 programme")] == ["Leading from the middle"]
    by_phase = parsed(client.get(_url(partnership, "programmes"), {"phase": "secondary"}))
    assert [row[0] for row in table_rows(by_phase, "1 programme")] == ["NPQH"]
    assert parsed(client.get(_url(partnership, "programmes"), {"phase": "nonsense"})).select(".govuk-error-summary")


def test_a_cohort_is_priced_from_the_catalogue_and_shows_places_taken_and_the_waitlist(client, partnership, broker):
    programme = ProgrammeFactory(partnership=partnership, title="NPQH")
    place = ServiceFactory(partnership=partnership, kind=ServiceKind.PROGRAMME_PLACE, name="NPQH place",
                           member_price="1250.00", non_member_price="1500.00", catalogue__academic_year="2026-27")
    ServiceFactory(partnership=partnership, catalogue=place.catalogue, name="A package")
    client.force_login(broker.user)
    form = parsed(client.get(_url(partnership, "programmes", programme.pk, "cohorts/new") + "?year=2026-27"))
    options = [o.get_text(strip=True) for o in form.select("#id_service option")]
    assert options == ["Not priced yet", "NPQH place (2026-27): members £1,250.00, others £1,500.00"]
    post = {"name": "Autumn 2026", "academic_year": "2026-27", "service": str(place.pk), "places": "2",
            "minimum": "3", "applications_open": "", "applications_close": "", "offer_days": "5"}
    assert _errors(parsed(client.post(_url(partnership, "programmes", programme.pk, "cohorts/new"), post))) == [
        "The minimum cannot be more than the places."]
    response = client.post(_url(partnership, "programmes", programme.pk, "cohorts/new"), {**post, "minimum": "1"},
                           follow=True)
    cohort = Cohort.objects.get(programme=programme)
    done(response, _url(partnership, "cohorts", cohort.pk), "created as a draft")
    PlaceFactory(cohort=cohort, status=PlaceStatus.ACCEPTED)
    PlaceFactory(cohort=cohort, status=PlaceStatus.WAITLISTED)
    Cohort.objects.filter(pk=cohort.pk).update(taken=1)
    page = parsed(client.get(_url(partnership, "cohorts", cohort.pk)))
    assert page.select_one("#places-taken").get_text(strip=True).startswith("1 of 2 taken")
    assert page.select_one("#waitlist").get_text(strip=True) == "1 waiting"
    assert "£1,250.00" in page.select_one("#prices").text and "£1,500.00" in page.select_one("#prices").text
    # Opening needs a session.
    page = parsed(client.post(_url(partnership, "cohorts", cohort.pk, "open")))
    assert "Add at least one session" in page.text


def test_a_session_on_a_saturday_asks_for_a_reason_and_a_clash_is_a_warning(client, partnership, broker):
    leader = SystemLeaderFactory(partnership=partnership, name="Ruth Ward")
    cohort = CohortFactory(partnership=partnership, status="draft")
    FacilitatorFactory(cohort=cohort, leader=leader)
    deployment = DeploymentFactory(partnership=partnership, leader=leader, status=DeploymentStatus.ACTIVE)
    VisitFactory(deployment=deployment, visit_date=date(2026, 10, 6))
    client.force_login(broker.user)
    add = _url(partnership, "cohorts", cohort.pk, "sessions/new")
    page = parsed(client.get(add))
    assert page.select_one("#id_non_school_day_reason") is None
    page = parsed(client.post(add, {**SESSION_POST, "date": "10/10/2026"}))
    assert _errors(page) == ["10 October 2026 is a Saturday, not a school day. Say why the session is then, "
                             "or choose a school day."]
    assert page.select_one("#id_non_school_day_reason") is not None
    response = client.post(add, {**SESSION_POST, "date": "10/10/2026", "non_school_day_reason": "Conference"},
                           follow=True)
    saturday = Session.objects.get(cohort=cohort)
    done(response, _url(partnership, "cohorts", cohort.pk) + f"#session-{saturday.pk}", "is added")
    response = client.post(add, {**SESSION_POST, "title": "Day 2"}, follow=True)
    shown = banners(parsed(response))
    assert any("Clash: Ruth Ward has a deployment visit" in message for message in shown["other"]), shown
    page = parsed(client.get(_url(partnership, "cohorts", cohort.pk)))
    assert "1 clash for facilitators" in page.select_one("#clashes").text
    cohort.refresh_from_db()
    assert (cohort.starts_on, cohort.ends_on) == (date(2026, 10, 6), date(2026, 10, 10))
    done(client.post(_url(partnership, "cohorts", cohort.pk, "open"), follow=True),
         _url(partnership, "cohorts", cohort.pk), "is open")


def test_outside_facilitators_and_leaders_are_added_from_the_cohort_page(client, partnership, broker):
    SystemLeaderFactory(partnership=partnership, name="Ruth Ward")
    cohort = CohortFactory(partnership=partnership)
    client.force_login(broker.user)
    add = _url(partnership, "cohorts", cohort.pk, "facilitators/new")
    assert _errors(parsed(client.post(add, {"leader": "", "name": ""}))) == [
        "Choose a system leader, or enter an outside person's name"]
    done(client.post(add, {"name": "Dr Ama Osei", "organisation": "University of Cambridge"}, follow=True),
         _url(partnership, "cohorts", cohort.pk) + "#facilitators", "Dr Ama Osei is added")
    leader_option = parsed(client.get(add)).select("#id_leader option")[1]
    done(client.post(add, {"leader": leader_option["value"]}, follow=True),
         _url(partnership, "cohorts", cohort.pk) + "#facilitators", "Ruth Ward is added")
    assert [o.get_text(strip=True) for o in parsed(client.get(add)).select("#id_leader option")] == [
        "Not a system leader"]


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(partnership, cohort, n, leader):
    for i in range(n):
        programme = ProgrammeFactory(partnership=partnership, status=ProgrammeStatus.PUBLISHED)
        other = CohortFactory(programme=programme)
        FacilitatorFactory(cohort=other, leader=leader)
        SessionFactory(cohort=other, starts_at=time(9, 0), ends_at=time(10, 0))
        SessionFactory(cohort=cohort, date=date(2026, 11, 3 + i % 3))
        FacilitatorFactory(cohort=cohort, name=f"Outside {i}")
        PlaceFactory(cohort=cohort, status=PlaceStatus.WAITLISTED if i % 2 else PlaceStatus.ACCEPTED)
        deployment = DeploymentFactory(partnership=partnership, leader=leader, status=DeploymentStatus.ACTIVE)
        VisitFactory(deployment=deployment, visit_date=date(2026, 10, 6))


@pytest.mark.parametrize("role", ["broker", "headteacher", "participant"])
def test_list_programme_and_cohort_pages_use_a_fixed_number_of_queries(client, partnership, role, request):
    member = request.getfixturevalue(role)
    leader = SystemLeaderFactory(partnership=partnership)
    cohort = CohortFactory(partnership=partnership)
    FacilitatorFactory(cohort=cohort, leader=leader)
    SessionFactory(cohort=cohort)
    if role == "participant":  # a participant sees only the programmes and cohorts they hold a place on
        PlaceFactory(cohort=cohort, user=member.user, status=PlaceStatus.ACCEPTED)
    _grow(partnership, cohort, 1, leader)
    client.force_login(member.user)
    pages = [_url(partnership, "programmes"), _url(partnership, "programmes", cohort.programme_id),
             _url(partnership, "cohorts", cohort.pk)]
    small = [_count(client, page) for page in pages]
    _grow(partnership, cohort, 6, leader)
    assert Session.objects.filter(cohort=cohort).count() == 8
    assert [_count(client, page) for page in pages] == small
    # Session, membership, scope and the navigation's unread count, then the page's own reads; the broker's cohort
    # page adds the clash checks (leaders' other cohorts, their sessions and names, and the visits source).
    assert max(small) <= 16


def test_the_broker_s_form_pages_use_a_fixed_number_of_queries(client, partnership, broker):
    leader = SystemLeaderFactory(partnership=partnership)
    cohort = CohortFactory(partnership=partnership)
    session = SessionFactory(cohort=cohort)
    place = ServiceFactory(partnership=partnership, kind=ServiceKind.PROGRAMME_PLACE,
                           catalogue__academic_year="2026-27")
    _grow(partnership, cohort, 1, leader)
    client.force_login(broker.user)
    pages = [_url(partnership, "programmes", "new"), _url(partnership, "programmes", cohort.programme_id, "edit"),
             _url(partnership, "programmes", cohort.programme_id, "cohorts/new") + "?year=2026-27",
             _url(partnership, "cohorts", cohort.pk, "edit"), _url(partnership, "cohorts", cohort.pk, "sessions/new"),
             _url(partnership, "sessions", session.pk, "edit"),
             _url(partnership, "cohorts", cohort.pk, "facilitators/new")]
    small = [_count(client, page) for page in pages]
    _grow(partnership, cohort, 5, leader)
    for _ in range(5):
        SystemLeaderFactory(partnership=partnership)
        ServiceFactory(partnership=partnership, kind=ServiceKind.PROGRAMME_PLACE, catalogue=place.catalogue)
    assert [_count(client, page) for page in pages] == small
    assert max(small) <= 10
