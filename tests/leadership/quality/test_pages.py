"""Quality assurance pages: what each role sees (private notes never reach the leader or LA officers), the flags,
leaders needing attention, the report by alliance and designation, and fixed query counts as data grows."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import SystemLeader
from deployments.models import Review
from leadership.models import QAAction, QAActivity
from leadership.quality import services as quality
from leadership.quality.selectors import valid_year
from leadership.quality.services import ActionInput
from tests.deployments.conftest import count_and_parse
from tests.factories import (
    AllianceFactory,
    DeploymentFactory,
    ReviewFactory,
    SupportRequestFactory,
    SystemLeaderFactory,
    VisitFactory,
)
from tests.leadership.quality.conftest import in_year
from tests.pages import table_rows


def _activity(qa, *, leader=None, actor=None, due_in=14, held_back=1):
    today = timezone.localdate()
    with scope(partnership=qa.partnership):
        return quality.record_qa_activity(
            actor=actor or qa.lead_member, leader=leader or qa.leader, kind="observation",
            held_on=today - timedelta(days=held_back),
            ratings={qa.competencies[0].pk: qa.levels[1].pk, qa.competencies[1].pk: qa.levels[3].pk},
            notes="Shared with the leader.", private_notes="For the lead's eyes only.",
            actions=[ActionInput("Write up the maths plan", today + timedelta(days=due_in))])


def _trouble(qa, leader, *, impact=3, head=4):
    """An agreed review with low impact on both sides and a disputed visit, both today (this academic year)."""
    today = timezone.localdate()
    with scopes_disabled():
        deployment = DeploymentFactory(partnership=qa.partnership, leader=leader, status="active",
                                       proposed_by=qa.broker.user, request__created_by=qa.head.user,
                                       start_date=today - timedelta(days=20), end_date=today + timedelta(days=20))
        ReviewFactory(partnership=qa.partnership, deployment=deployment, status="agreed", impact_score=impact,
                      head_impact_score=head, due_on=today, term_key=f"{in_year()[0]} spring")
        VisitFactory(partnership=qa.partnership, deployment=deployment, visit_date=today - timedelta(days=2),
                     status="disputed", dispute_reason="We did not see them that day.")
    return deployment


def test_the_leader_sees_their_activity_without_private_notes_and_the_lead_sees_them(client, qa):
    activity = _activity(qa)
    url = f"/p/{qa.partnership.slug}/leadership/quality/activities/{activity.pk}/"
    for member, private in ((qa.leader_member, False), (qa.lead_member, True), (qa.broker, True),
                            (qa.approver, True)):
        client.force_login(member.user)
        page = client.get(url).content.decode()
        assert "Shared with the leader." in page and "Write up the maths plan" in page
        assert ("For the lead&#x27;s eyes only." in page) is private, member
    for member, status in ((qa.loner_member, 404), (qa.la_officer, 403), (qa.head, 403)):
        client.force_login(member.user)
        assert client.get(url).status_code == status
    client.force_login(qa.leader_member.user)
    mine = client.get(f"/p/{qa.partnership.slug}/leadership/quality/mine/").content.decode()
    assert "Write up the maths plan" in mine and "eyes only" not in mine


def test_the_summary_flags_low_impact_disputes_an_overdue_review_and_overdue_actions(client, qa):
    _trouble(qa, qa.leader)
    _activity(qa, due_in=0)
    with scopes_disabled():
        QAAction.objects.update(due_on=timezone.localdate() - timedelta(days=1))
        SystemLeader.objects.filter(pk=qa.leader.pk).update(review_due=timezone.localdate() - timedelta(days=1))
    year = in_year()[0]
    client.force_login(qa.broker.user)
    page = BeautifulSoup(client.get(f"/p/{qa.partnership.slug}/leadership/quality/leaders/{qa.leader.pk}/",
                                    {"year": year}).content, "html.parser")
    flags = [li.get_text(strip=True) for li in page.select("#flags li")]
    assert flags == ["Low impact (average below 5 out of 10)", "1 disputed visit", "Designation review overdue",
                     "1 action overdue"]
    ratings = table_rows(page, "Average rating per competency")
    assert ratings == [["Diagnosing need", "Developing (2.0)", "1"], ["Support and challenge", "Strong (4.0)", "1"]]
    assert table_rows(page, "Agreed reviews")[0][-2:] == ["3", "4"]
    attention = BeautifulSoup(client.get(f"/p/{qa.partnership.slug}/leadership/quality/attention/").content,
                              "html.parser")
    rows = table_rows(attention, "Leaders needing attention")
    assert [row[0].split(" SLE")[0] for row in rows] == ["Sam Member"]
    home = BeautifulSoup(client.get(f"/p/{qa.partnership.slug}/").content, "html.parser")
    heading = home.find("h2", string="Leaders needing attention (1)")
    assert heading is not None and "Sam Member" in heading.find_next("ul").get_text()


def test_the_reports_count_by_alliance_and_designation_and_only_the_steering_group_sees_impact(client, qa):
    deployment = _trouble(qa, qa.leader, impact=8, head=9)
    with scopes_disabled():
        AllianceFactory(partnership=qa.partnership, name="CATSA", leads=[qa.leader.home_school])
        Review.objects.filter(deployment=deployment).update(kind="final",
                                                            own_school_benefit="Our maths lead grew as a coach.")
        VisitFactory(partnership=qa.partnership, deployment=deployment, status="confirmed", days=Decimal("0.5"),
                     visit_date=timezone.localdate() - timedelta(days=1))
        qa.la_officer.local_authorities.set([qa.leader.home_school.la])
    year = in_year()[0]
    base = f"/p/{qa.partnership.slug}/leadership/reports/"
    client.force_login(qa.broker.user)
    page = BeautifulSoup(client.get(base, {"year": year}).content, "html.parser")
    rows = table_rows(page, "System leaders by alliance")
    # Three leaders at St Matthew's (in CATSA): two SLEs, Sam deployed; one NLE, not deployed.
    assert rows == [["CATSA", "National leader of education", "1", "0 (0%)", "0", "0.0", "–", "0"],
                    ["CATSA", "Specialist leader of education", "2", "1 (50%)", "0.5", "0.2", "8.0", "1"],
                    ["All alliances", "3", "1 (33%)", "0.5", "0.2", "8.0", "1"]]
    assert "Our maths lead grew as a coach." in page.select_one("#benefits").get_text()
    exported = list(csv.reader(io.StringIO(b"".join(client.get(f"{base}benefits.csv", {"year": year})
                                                   .streaming_content).decode("utf-8-sig"))))
    assert exported[1][0] == "Sam Member" and exported[1][-1] == "Our maths lead grew as a coach."
    client.force_login(qa.la_officer.user)
    page = client.get(base, {"year": year})
    text = page.content.decode()
    assert "Average impact" not in text and "grew as a coach" not in text
    body = b"".join(client.get(f"{base}export.csv", {"year": year}).streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert "Average impact (1 to 10)" not in header and "Own-school benefits recorded" in header
    assert client.get(f"{base}benefits.csv").status_code == 403


def _pages(qa, activity):
    base = f"/p/{qa.partnership.slug}/leadership/quality"
    return [
        (f"{base}/", qa.broker.user), (f"{base}/", qa.lead_member.user),
        (f"{base}/mine/", qa.leader_member.user), (f"{base}/attention/", qa.broker.user),
        (f"{base}/framework/", qa.broker.user), (f"{base}/leaders/{qa.leader.pk}/", qa.broker.user),
        (f"{base}/leaders/{qa.leader.pk}/", qa.lead_member.user),
        (f"{base}/leaders/{qa.leader.pk}/record/", qa.lead_member.user),
        (f"{base}/leaders/{qa.leader.pk}/designation-review/", qa.approver.user),
        (f"{base}/activities/{activity.pk}/", qa.leader_member.user),
        (f"/p/{qa.partnership.slug}/leadership/reports/", qa.broker.user),
        (f"/p/{qa.partnership.slug}/leadership/reports/", qa.la_officer.user),
        (f"/p/{qa.partnership.slug}/", qa.broker.user),
    ]


def test_each_page_makes_the_same_queries_with_more_leaders_activities_and_reviews(client, qa):
    activity = _activity(qa)
    pages = _pages(qa, activity)

    def grow(n):
        _activity(qa, held_back=n + 2)
        _trouble(qa, qa.leader)
        with scopes_disabled():
            other = SystemLeaderFactory(partnership=qa.partnership, name=f"Extra {n}", home_school=qa.leader.home_school)
        _trouble(qa, other)
        _activity(qa, leader=other, actor=qa.broker)
        with scopes_disabled():
            AllianceFactory(partnership=qa.partnership, name=f"Alliance {n}", members=[qa.leader.home_school])
            SupportRequestFactory(partnership=qa.partnership, school=qa.head.schools.get(), created_by=qa.head.user)

    # One of each before the first count: the broker's home reads a list only when it has rows (`IfAny`), so both
    # counts are of the same lists with rows (one of each grown, then four). The home's first visit is recorded (an
    # UPDATE), not the next minute's.
    grow(0)
    count_and_parse(client, *pages[-1])
    small = [count_and_parse(client, url, user)[0] for url, user in pages]
    for n in range(1, 4):
        grow(n)
    large = [count_and_parse(client, url, user)[0] for url, user in pages]
    assert small == large, [(url, s, lg) for (url, _), s, lg in zip(pages, small, large, strict=True) if s != lg]
    with scopes_disabled():
        assert QAActivity.objects.count() == 9


def test_the_record_form_keeps_what_was_typed_and_explains_each_error(client, qa):
    client.force_login(qa.lead_member.user)
    url = f"/p/{qa.partnership.slug}/leadership/quality/leaders/{qa.leader.pk}/record/"
    response = client.post(url, {"held_on": "31/2/2026", "notes": "Kept text", "action_1": "Plan",
                                 f"rating_{qa.competencies[0].pk}": str(qa.levels[0].pk)})
    page = BeautifulSoup(response.content, "html.parser")
    summary = page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "Choose what kind of activity it was" in summary and "Enter the date as day/month/year" in summary
    assert "Enter the date action 1 is due by" in summary
    assert page.select_one("#id_notes").get_text().strip() == "Kept text"
    assert page.select_one(f"input[name=rating_{qa.competencies[0].pk}][checked]") is not None
    today = timezone.localdate()
    response = client.post(url, {"kind": "conversation", "held_on": today.strftime("%d/%m/%Y"),
                                 "notes": "Good", "action_1": "Plan",
                                 "action_1_due": (today + timedelta(days=7)).strftime("%d/%m/%Y")})
    assert response.status_code == 302
    with scopes_disabled():
        assert QAActivity.objects.get().notes == "Good"


def test_the_final_evaluation_asks_about_the_leaders_own_school_and_keeps_the_answer(client, qa):
    with scopes_disabled():
        final = ReviewFactory(partnership=qa.partnership, deployment=qa.deployment, kind="final",
                              term_key="final", due_on=timezone.localdate())
        termly = ReviewFactory(partnership=qa.partnership, deployment=qa.deployment)
    client.force_login(qa.leader_member.user)
    base = f"/p/{qa.partnership.slug}/reviews"
    page = BeautifulSoup(client.get(f"{base}/{final.pk}/write/").content, "html.parser")
    assert page.select_one("label[for=id_own_school_benefit]") is not None
    assert BeautifulSoup(client.get(f"{base}/{termly.pk}/write/").content, "html.parser").select_one(
        "#id_own_school_benefit") is None  # a termly review does not ask
    response = client.post(f"{base}/{final.pk}/write/", {"own_school_benefit": "Our deputy led the new maths plan.",
                                                         "action": "save"})
    assert response.status_code in (200, 302)
    with scopes_disabled():
        assert Review.objects.get(pk=final.pk).own_school_benefit == "Our deputy led the new maths plan."


def test_a_leaders_directory_page_links_the_steering_group_to_their_qa_and_designation_review(client, qa):
    url = f"/p/{qa.partnership.slug}/system-leaders/{qa.leader.pk}/"
    summary = f"/p/{qa.partnership.slug}/leadership/quality/leaders/{qa.leader.pk}/"
    client.force_login(qa.broker.user)
    page = BeautifulSoup(client.get(url).content, "html.parser")
    assert page.find("a", href=summary) is not None
    client.force_login(qa.la_officer.user)
    page = BeautifulSoup(client.get(url).content, "html.parser")
    assert page.find("a", href=summary) is None


def test_a_malformed_year_falls_back_to_this_academic_year():
    today = date(2027, 3, 1)
    assert valid_year("2025-26", today) == "2025-26"
    for bad in ("2025-27", "２０２５-26", "2025-2", "", None, "1899-00", "2025_26"):
        assert valid_year(bad, today) == "2026-27", bad


def test_the_homes_one_statement_finds_the_leaders_and_flags_the_four_queries_find(qa):
    """`needing_attention(together=True)` (the broker's home: one UNION ALL) gives the rows, in the order, with the
    flags and averages that the four queries give, for each kind of flag and a leader with none."""
    from leadership.quality.selectors import needing_attention

    today = timezone.localdate()
    _trouble(qa, qa.leader, impact=3, head=7)  # low impact on the leader's side, a disputed visit
    _activity(qa, leader=qa.lead, actor=qa.broker)
    with scopes_disabled():
        QAAction.objects.update(due_on=today - timedelta(days=1))  # Nia Lead: an action overdue
        SystemLeader.objects.filter(pk=qa.loner.pk).update(review_due=today - timedelta(days=1))  # Lou: review overdue
        fine = SystemLeaderFactory(partnership=qa.partnership, name="Abe Fine", home_school=qa.leader.home_school,
                                   review_due=today + timedelta(days=40))
        _trouble(qa, fine, impact=8, head=9)  # a disputed visit only
        SystemLeaderFactory(partnership=qa.partnership, name="Zed Clear", home_school=qa.leader.home_school,
                            review_due=today + timedelta(days=40))

    def shown(rows):
        return [(row.leader.pk, row.leader.name, row.leader.review_due, row.flags, row.leader_impact, row.head_impact)
                for row in rows]

    with scope(partnership=qa.partnership):
        apart = needing_attention(partnership=qa.partnership, year=in_year()[0], today=today, only=("name",))
        together = needing_attention(partnership=qa.partnership, year=in_year()[0], today=today, only=("name",),
                                     together=True)
    assert shown(together) == shown(apart)
    assert [row.leader.name for row in together] == ["Abe Fine", "Lou Loner", "Nia Lead", "Sam Member"]
    assert together[3].flags == ["Low impact (average below 5 out of 10)", "1 disputed visit"]
    assert together[3].leader.get_deferred_fields() == apart[3].leader.get_deferred_fields()
