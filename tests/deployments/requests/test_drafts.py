"""Drafts: 'Start' carries on the author's empty draft for the same school instead of piling up new ones, and
the author can delete a draft (through its confirmation page); once sent, a request is never deleted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from alliances.models import School
from deployments.models import RequestStatus, SupportRequest
from deployments.requests import services
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.errors import NotAllowed
from portal.tenancy.roles import Role
from tests.deployments.requests.conftest import complete_draft, sent_request
from tests.factories import make_member
from tests.pages import done, list_after, parsed


def _count() -> int:
    with scopes_disabled():
        return SupportRequest.objects.count()


def test_starting_twice_reuses_the_empty_draft(partnership, headteacher):
    school = headteacher.schools.get()
    with scope(partnership=partnership):
        first = services.start_request(actor=headteacher, school=school)
        again = services.start_request(actor=headteacher, school=school)
    assert again.pk == first.pk and _count() == 1
    assert AuditEvent.objects.filter(action="request.started").count() == 1


def test_a_draft_with_an_answer_is_kept_and_a_new_one_started(partnership, headteacher, specialisms):
    draft = complete_draft(headteacher, specialisms)
    with scope(partnership=partnership):
        started = services.start_request(actor=headteacher, school=headteacher.schools.get())
        needs_only = services.start_request(actor=headteacher, school=headteacher.schools.get())
    assert started.pk != draft.pk and needs_only.pk == started.pk
    with scope(partnership=partnership):
        services.update_draft(actor=headteacher, request=started, needs=[specialisms["Mathematics"]])
        assert services.start_request(actor=headteacher, school=headteacher.schools.get()).pk not in (draft.pk, started.pk)


def test_another_heads_or_another_schools_empty_draft_is_not_reused(partnership, headteacher):
    school = headteacher.schools.get()
    other_head = make_member(partnership, Role.HEADTEACHER)
    other_head.schools.add(school)
    comberton = School.objects.create(urn="137049", name="Comberton Village College")
    headteacher.schools.add(comberton)
    with scope(partnership=partnership):
        mine = services.start_request(actor=headteacher, school=school)
        theirs = services.start_request(actor=other_head, school=school)
        other_school = services.start_request(actor=headteacher, school=comberton)
    assert len({mine.pk, theirs.pk, other_school.pk}) == 3


def test_the_author_deletes_a_draft_with_an_audit_event(partnership, headteacher, specialisms):
    draft = complete_draft(headteacher, specialisms)
    with scope(partnership=partnership):
        services.delete_draft(actor=headteacher, request=draft)
    assert _count() == 0
    event = AuditEvent.objects.get(action="request.deleted")
    assert event.object_id == str(draft.pk) and event.actor == headteacher.user


def test_only_the_author_deletes_and_only_a_draft(partnership, headteacher, specialisms):
    draft = complete_draft(headteacher, specialisms)
    co_head = make_member(partnership, Role.HEADTEACHER)
    co_head.schools.add(headteacher.schools.get())
    with scope(partnership=partnership):
        with pytest.raises(NotAllowed):
            services.delete_draft(actor=co_head, request=draft)
        sent = sent_request(headteacher, specialisms)
        with pytest.raises(NotAllowed):
            services.delete_draft(actor=headteacher, request=sent)
        # Sent by someone else between the page and the click: the compare-and-delete keeps it.
        SupportRequest.objects.filter(pk=draft.pk).update(status=RequestStatus.SUBMITTED)
        with pytest.raises(TransitionNotAllowed):
            services.delete_draft(actor=headteacher, request=draft)
    assert _count() == 2


def test_the_start_page_twice_leaves_one_draft(client, headteacher):
    client.force_login(headteacher.user)
    url = f"/p/{headteacher.partnership.slug}/requests/new/"
    first = client.post(url, {"school": "139087"})["Location"]
    assert client.post(url, {"school": "139087"})["Location"] == first and _count() == 1


def test_a_draft_is_deleted_through_its_confirmation_page(client, headteacher, specialisms):
    draft = complete_draft(headteacher, specialisms)
    client.force_login(headteacher.user)
    base = f"/p/{headteacher.partnership.slug}/requests"
    link = parsed(client.get(f"{base}/{draft.pk}/check/")).find("a", string="Delete this draft")
    assert link["href"] == f"{base}/{draft.pk}/delete/"
    page = parsed(client.get(link["href"]))
    assert page.h1.get_text(strip=True) == f"Delete draft request {draft.reference}?"
    assert list_after(page, "What will happen")[0] == "The draft and every answer in it are deleted."
    assert page.find("a", string="Cancel")["href"] == f"{base}/{draft.pk}/check/" and _count() == 1
    with CaptureQueriesContext(connection) as ctx:
        client.get(link["href"])
    # Session, user, membership (with the layout's switcher and unread count); the request (with its school).
    assert len(ctx.captured_queries) == 7
    done(client.post(link["href"], follow=True), f"{base}/", f"Draft request {draft.reference} is deleted.")
    assert _count() == 0 and client.get(f"{base}/{draft.pk}/").status_code == 404


def test_a_sent_request_has_no_delete_link_and_its_delete_page_goes_back(client, headteacher, specialisms):
    sent = sent_request(headteacher, specialisms)
    client.force_login(headteacher.user)
    base = f"/p/{headteacher.partnership.slug}/requests/{sent.pk}"
    assert parsed(client.get(f"{base}/")).find("a", string="Delete this draft") is None
    assert client.get(f"{base}/delete/")["Location"] == f"{base}/"
    assert client.post(f"{base}/delete/")["Location"] == f"{base}/" and _count() == 1
