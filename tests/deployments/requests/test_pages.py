"""Request pages: the question flow, sending, withdrawing, triage, who sees what, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scope

from alliances.models import School
from deployments import processes
from deployments.models import Deployment, DeploymentStatus, RequestStatus
from deployments.requests import services
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.tenancy.roles import Role
from tests.deployments.conftest import accepted, count_and_parse, count_queries, propose
from tests.deployments.requests.conftest import complete_draft, sent_request
from tests.factories import DeploymentFactory, SchoolFactory, SupportRequestFactory, make_member
from tests.pages import parsed, table_rows


def test_the_question_flow_saves_each_answer_and_sends(client, headteacher, broker, specialisms):
    client.force_login(headteacher.user)
    base = f"/p/{headteacher.partnership.slug}/requests"
    start = client.post(f"{base}/new/", {"school": "139087"})
    pk = int(start["Location"].split("/")[-3])
    assert start["Location"] == f"{base}/{pk}/needs/"
    assert "Select at least one area" in client.post(f"{base}/{pk}/needs/", {}).content.decode()
    assert client.post(f"{base}/{pk}/needs/", {"needs": [specialisms["Mathematics"].pk]})["Location"] == f"{base}/{pk}/context/"
    assert client.post(f"{base}/{pk}/context/", {"context": "Results fell", "success": "Recovered"})["Location"] == f"{base}/{pk}/timing/"
    past = (timezone.localdate() - timedelta(days=3)).strftime("%d/%m/%Y")
    bad = client.post(f"{base}/{pk}/timing/", {"urgency": "soon", "days_wanted": "2.3", "preferred_start": past})
    assert "Use whole or half days, like 2.5" in bad.content.decode()
    bad = client.post(f"{base}/{pk}/timing/", {"urgency": "soon", "days_wanted": "2.5", "preferred_start": past})
    assert "The preferred start cannot be in the past" in bad.content.decode()
    assert client.post(f"{base}/{pk}/timing/", {"urgency": "soon", "days_wanted": "2.5"})["Location"] == f"{base}/{pk}/funding/"
    assert "You need to agree to share" in client.post(f"{base}/{pk}/funding/", {"funding_route": "school"}).content.decode()
    assert client.post(f"{base}/{pk}/funding/", {"funding_route": "school", "consent_to_share": "on"})["Location"] == f"{base}/{pk}/check/"
    check = BeautifulSoup(client.get(f"{base}/{pk}/check/").content, "html.parser")
    assert "Mathematics" in check.get_text() and "2.5 days" in check.get_text()
    # Changing an answer from the check page comes back to it.
    assert client.post(f"{base}/{pk}/context/?change=1", {"context": "Results fell a lot", "success": "Recovered"})[
        "Location"] == f"{base}/{pk}/check/"
    sent = client.post(f"{base}/{pk}/check/", follow=True)
    assert "Request sent" in sent.content.decode() and f"R{pk:05d}" in sent.content.decode()
    home = client.get(f"/p/{headteacher.partnership.slug}/").content.decode()
    assert f"R{pk:05d}" in home and "The steering group will triage it." in home
    # The broker sees it in the queue.
    client.force_login(broker.user)
    assert f"R{pk:05d}" in client.get(f"{base}/").content.decode()


def test_drafts_stay_private_and_withdrawal_is_told_to_brokers(client, headteacher, broker, specialisms):
    draft = complete_draft(headteacher, specialisms)
    base = f"/p/{headteacher.partnership.slug}/requests"
    client.force_login(broker.user)
    assert client.get(f"{base}/{draft.pk}/").status_code == 404  # a draft is the head's own
    with scope(partnership=headteacher.partnership):
        services.submit_request(actor=headteacher, request=draft)
    client.force_login(headteacher.user)
    response = client.post(f"{base}/{draft.pk}/withdraw/", {"reason": "Solved it ourselves"}, follow=True)
    assert "is withdrawn" in response.content.decode()
    assert Notification.objects.filter(event_type="request.withdrawn", recipient=broker.user).exists()
    assert AuditEvent.objects.get(action="request.withdrawn").note == "Solved it ourselves"


def test_a_head_of_another_school_cannot_see_the_request(client, partnership, headteacher, specialisms):
    draft = complete_draft(headteacher, specialisms)
    other = make_member(partnership, Role.HEADTEACHER)
    other.schools.add(School.objects.create(urn="137049", name="Comberton Village College"))
    client.force_login(other.user)
    for step in ("", "needs/", "check/"):
        assert client.get(f"/p/{partnership.slug}/requests/{draft.pk}/{step}").status_code == 404


def test_request_pages_use_a_fixed_number_of_queries(client, partnership, headteacher, broker, specialisms):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url, user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), parsed(response)

    first = complete_draft(headteacher, specialisms)
    with scope(partnership=partnership):
        services.submit_request(actor=headteacher, request=first)
    urls = [(f"/p/{partnership.slug}/requests/", broker.user), (f"/p/{partnership.slug}/requests/", headteacher.user),
            (f"/p/{partnership.slug}/", headteacher.user), (f"/p/{partnership.slug}/requests/{first.pk}/", broker.user)]
    count(*urls[2])  # the home's first visit is recorded (an UPDATE), not the next minute's
    small, pages = zip(*(count(url, user) for url, user in urls), strict=True)
    assert [len(table_rows(page, "Support requests")) for page in pages[:2]] == [1, 1]
    # 25 more sent and 25 more drafts from the head's school.
    school, maths = headteacher.schools.get(), specialisms["Mathematics"]
    for status in [RequestStatus.SUBMITTED, RequestStatus.DRAFT] * 25:
        SupportRequestFactory(partnership=partnership, school=school, created_by=headteacher.user, status=status,
                              needs=[maths])
    large, pages = zip(*(count(url, user) for url, user in urls), strict=True)
    assert small == large
    # The broker's queue has the 26 sent requests and the head's list the 51 with drafts: 25 to a page.
    for page, pages_in_all in ((pages[0], 2), (pages[1], 3)):
        assert len(table_rows(page, "Support requests")) == 25
        assert page.select_one(".govuk-pagination [aria-current=page]")["aria-label"] == f"Page 1 of {pages_in_all}"
    assert len(table_rows(pages[2], "Your schools' requests")) == 10  # the home page lists the newest ten
    assert pages[3].h1.get_text(" ", strip=True) == f"Request {first.reference}"


def test_triage_through_the_queue_and_page(client, partnership, headteacher, broker, specialisms):
    request = sent_request(headteacher, specialisms)
    client.force_login(broker.user)
    home = client.get(f"/p/{partnership.slug}/").content.decode()
    assert "Requests to triage (1)" in home and request.reference in home
    url = f"/p/{partnership.slug}/requests/{request.pk}/triage/"
    errors = client.post(url, {"decision": "yes"}).content.decode()
    assert "Select a support level" in errors
    assert "Say why the request is not being taken on" in client.post(url, {"decision": "no"}).content.decode()
    done = client.post(url, {"decision": "yes", "support_level": "intensive", "note": "Starting soon"}, follow=True)
    assert "is taken on: finding a system leader" in done.content.decode()
    assert "Requests to triage (0)" in client.get(f"/p/{partnership.slug}/").content.decode()
    client.force_login(headteacher.user)
    page = client.get(f"/p/{partnership.slug}/requests/{request.pk}/").content.decode()
    assert "Taken on as intensive support" in page and "Starting soon" in page


def test_a_head_gives_the_dates_the_support_is_wanted_for(client, headteacher, specialisms):
    """Issue 12: the requested dates (start and end) decide which terms the days fall in, for matching and holds."""
    draft = complete_draft(headteacher, specialisms)
    client.force_login(headteacher.user)
    url = f"/p/{headteacher.partnership.slug}/requests/{draft.pk}/timing/"
    start, end = timezone.localdate() + timedelta(days=30), timezone.localdate() + timedelta(days=90)
    bad = client.post(url, {"urgency": "routine", "days_wanted": "4", "preferred_start": end.strftime("%d/%m/%Y"),
                            "preferred_end": start.strftime("%d/%m/%Y")})
    assert "The preferred end must be on or after the preferred start" in bad.content.decode()
    client.post(url, {"urgency": "routine", "days_wanted": "4", "preferred_start": start.strftime("%d/%m/%Y"),
                      "preferred_end": end.strftime("%d/%m/%Y")})
    with scope(partnership=headteacher.partnership):
        saved = type(draft).objects.get(pk=draft.pk)
    assert (saved.preferred_start, saved.preferred_end) == (start, end)
    check = parsed(client.get(f"/p/{headteacher.partnership.slug}/requests/{draft.pk}/check/")).get_text(" ")
    assert f"from {start:%-d %B %Y} to {end:%-d %B %Y}" in check


def _status(soup) -> str:
    return soup.main.select_one("p strong.govuk-tag").get_text(" ", strip=True)


def test_the_school_follows_its_request_until_the_deployment_closes_it(client, brokerage):
    """Demo R00003 read "System leader found" while D00001 was completed: the request reads as its deployment."""
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
    base, reference = f"/p/{b.partnership.slug}", b.request.reference

    def pages(member):
        client.force_login(member.user)
        return (parsed(client.get(f"{base}/requests/{b.request.pk}/")), parsed(client.get(f"{base}/")),
                parsed(client.get(f"{base}/requests/")))

    request_page, home, listed = pages(b.head)
    assert _status(request_page) == "Deployment approved: agreement being confirmed"
    assert "The school and the system leader each confirm the agreement" in request_page.main.get_text(" ", strip=True)
    assert table_rows(home, "Your schools' requests") == [[
        reference, b.request.school.name, "Deployment approved: agreement being confirmed The school and the system "
        "leader each confirm the agreement; then the work starts."]]
    assert table_rows(listed, "Support requests")[0][3] == "Deployment approved: agreement being confirmed"
    with scope(partnership=b.partnership):
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.complete_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk),
                                      summary="Maths planning is consistent.")
    for member in (b.head, b.broker):
        request_page, home, listed = pages(member)
        assert _status(request_page) == "Closed: support completed"
        assert table_rows(listed, "Support requests")[0][3] == "Closed: support completed"
        assert "System leader found" not in request_page.main.get_text() + listed.table.get_text()
        if member == b.head:
            assert table_rows(home, "Your schools' requests")[0][2].startswith("Closed: support completed")
    # The list's filter finds it among the closed requests, not the open ones.
    closed = parsed(client.get(f"{base}/requests/?status=closed"))
    assert [row[0] for row in table_rows(closed, "Support requests")] == [reference]
    assert closed.select_one("#id_status option[selected]").get_text() == "Closed"
    assert "No requests match these filters." in parsed(client.get(f"{base}/requests/?status=open")).get_text()


def test_the_requests_list_reads_progress_in_a_fixed_number_of_queries(client, partnership, broker):
    school = SchoolFactory()
    SupportRequestFactory(partnership=partnership, school=school, created_by=broker.user)
    url = f"/p/{partnership.slug}/requests/"
    small = count_queries(client, url, broker.user)
    for status in DeploymentStatus.values:  # one matched request at each stage of its deployment
        DeploymentFactory(partnership=partnership, status=status,
                          request=SupportRequestFactory(partnership=partnership, school=school, matched=True))
    large, page = count_and_parse(client, url, broker.user)
    assert small == large
    shown = {row[3] for row in table_rows(page, "Support requests")}
    assert {"Support under way", "Support paused", "Closed: support completed", "Closed: support stopped early",
            "Closed: deployment cancelled", "Deployment proposed: waiting for approval"} <= shown
