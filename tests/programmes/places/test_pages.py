"""The place pages for each role: nominating, deciding and withdrawing through the pages, who sees which place,
the home sections, and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.tenancy.roles import Role
from programmes.models import Cohort, Place, PlaceStatus
from tests.factories import SchoolFactory, SystemLeaderFactory
from tests.factories.places import make_place

pytestmark = [pytest.mark.django_db]
S = PlaceStatus


def _url(name, partnership, *args):
    return reverse(f"programmes:{name}", args=[partnership.slug, *args])


def _text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(cohort, school, n, **fields):
    with scopes_disabled():
        now = timezone.now()
        start = Place.objects.filter(cohort=cohort).count()
        for i in range(n):
            status = [S.NOMINATED, S.ACCEPTED, S.WAITLISTED, S.OFFERED, S.WITHDRAWN, S.APPLIED][i % 6]
            extra = {"waitlisted_at": now + timedelta(seconds=i)} if status == S.WAITLISTED else {}
            if status == S.OFFERED:
                extra["offer_expires_at"] = now + timedelta(days=3)
            make_place(cohort, school, status=status, name=f"Person {start + i}", **extra, **fields)


def test_a_head_nominates_the_broker_accepts_and_the_head_withdraws(client, partnership, headteacher, broker, world):
    cohort = world["cohort"]
    client.force_login(headteacher.user)
    staff = _text(client.get(_url("staff_places", partnership)))
    assert cohort.name in staff
    response = client.post(_url("place_nominate", partnership, cohort.pk), {
        "school": world["school"].urn, "name": "Ana Lopez", "email": "ana@school.example.org", "job_role": "Maths lead"})
    assert response.status_code == 302
    again = client.post(_url("place_nominate", partnership, cohort.pk), {
        "school": world["school"].urn, "name": "Ana Lopez", "email": "ana@school.example.org", "job_role": "Maths lead"})
    page = BeautifulSoup(again.content, "html.parser")
    assert page.title.get_text().startswith("Error: ")
    assert "already has a place" in page.select_one(".govuk-error-summary").get_text()
    with scopes_disabled():
        place = Place.objects.get()
    client.force_login(broker.user)
    assert "Ana Lopez" in _text(client.get(reverse("tenant:home", args=[partnership.slug])))
    assert "Ana Lopez" in _text(client.get(_url("cohort_places", partnership, cohort.pk)))
    client.post(_url("place_accept", partnership, place.pk))
    with scopes_disabled():
        place.refresh_from_db()
        assert place.status == S.ACCEPTED and Cohort.objects.get(pk=cohort.pk).taken == 1
    client.force_login(headteacher.user)
    confirm = _text(client.get(_url("place_withdraw", partnership, place.pk)))
    assert "refunded as a credit" in confirm
    response = client.post(_url("place_withdraw", partnership, place.pk), {"note": "Left the school"})
    assert response.status_code == 302
    with scopes_disabled():
        place.refresh_from_db()
        assert place.status == S.WITHDRAWN


def test_the_withdraw_page_says_there_is_no_refund_after_the_start(client, partnership, headteacher, world):
    with scopes_disabled():
        Cohort.objects.filter(pk=world["cohort"].pk).update(starts_on=timezone.localdate() - timedelta(days=1))
        place = make_place(world["cohort"], world["school"], status=S.ACCEPTED)
    client.force_login(headteacher.user)
    assert "not refunded" in _text(client.get(_url("place_withdraw", partnership, place.pk)))
    assert "not refunded" in _text(client.get(_url("place", partnership, place.pk)))


def test_a_participant_sees_only_their_own_places(client, partnership, participant, world):
    with scopes_disabled():
        mine = make_place(world["cohort"], world["school"], status=S.ACCEPTED, user=participant.user, name="Me Myself")
        theirs = make_place(world["cohort"], world["school"], status=S.ACCEPTED, name="Someone Else")
    client.force_login(participant.user)
    assert client.get(_url("place", partnership, mine.pk)).status_code == 200
    assert client.get(_url("place", partnership, theirs.pk)).status_code == 404
    listing = _text(client.get(_url("my_places", partnership)))
    assert "Me Myself" in listing and "Someone Else" not in listing
    home = _text(client.get(reverse("tenant:home", args=[partnership.slug])))
    assert "Your programmes (1)" in home


def test_a_head_sees_only_their_schools_places(client, partnership, headteacher, world):
    with scopes_disabled():
        other = SchoolFactory(urn="110001", name="Other School")
        ours = make_place(world["cohort"], world["school"], name="Our Teacher")
        not_ours = make_place(world["cohort"], other, name="Their Teacher")
    client.force_login(headteacher.user)
    assert client.get(_url("place", partnership, ours.pk)).status_code == 200
    assert client.get(_url("place", partnership, not_ours.pk)).status_code == 404
    page = _text(client.get(_url("staff_places", partnership)))
    assert "Our Teacher" in page and "Their Teacher" not in page


@pytest.mark.parametrize(("role", "name", "status"), [
    (Role.HEADTEACHER, "cohort_places", 403), (Role.BROKER, "place_nominate", 403),
    (Role.HEADTEACHER, "place_apply", 403), (Role.PARTICIPANT, "place_nominate", 403),
    (Role.SYSTEM_LEADER, "cohort_places", 403), (Role.APPROVER, "cohort_places", 200),
    (Role.PARTICIPANT, "place_apply", 200), (Role.LA_OFFICER, "place_nominate", 403)])
def test_who_may_open_which_cohort_page(client, partnership, personas, world, role, name, status):
    client.force_login(personas[role].user)
    assert client.get(_url(name, partnership, world["cohort"].pk)).status_code == status


def test_the_cohort_places_page_shows_each_stage_in_order(client, partnership, broker, world):
    _grow(world["cohort"], world["school"], 12)
    client.force_login(broker.user)
    page = BeautifulSoup(client.get(_url("cohort_places", partnership, world["cohort"].pk)).content, "html.parser")
    headings = [h.get_text(" ", strip=True) for h in page.select("main h2")]
    assert "Waitlist, in order (2)" in headings and "Waiting for a decision (4)" in headings
    waitlist = page.select_one("#waitlist").find_next("table")
    names = [row.select("td")[1].a.get_text() for row in waitlist.select("tbody tr")]
    assert names == ["Person 2", "Person 8"]


def test_query_counts_do_not_grow_with_the_data(client, partnership, broker, headteacher, participant, world):
    cohort, school = world["cohort"], world["school"]
    pages = [(broker, _url("cohort_places", partnership, cohort.pk)), (headteacher, _url("staff_places", partnership)),
             (participant, _url("my_places", partnership)), (broker, reverse("tenant:home", args=[partnership.slug])),
             (headteacher, reverse("tenant:home", args=[partnership.slug])),
             (participant, reverse("tenant:home", args=[partnership.slug]))]
    with scopes_disabled():
        first = make_place(cohort, school, status=S.ACCEPTED, user=participant.user, name="Mine 0")
    _grow(cohort, school, 6)
    small = []
    for member, url in pages:
        client.force_login(member.user)
        client.get(url)  # warm caches
        small.append(_count(client, url))
    with scopes_disabled():
        for n in range(1, 8):
            other = Cohort.objects.create(partnership=partnership, programme=cohort.programme, name=f"Cohort {n}",
                                          places=5, created_by=broker.user, academic_year="2026-27", status="open")
            make_place(other, school, status=S.APPLIED, user=participant.user, name=f"Mine {n}")
    _grow(cohort, school, 40)
    large = []
    for member, url in pages:
        client.force_login(member.user)
        large.append(_count(client, url))
    assert small == large
    client.force_login(headteacher.user)
    assert client.get(_url("place", partnership, first.pk)).status_code == 200


def test_a_system_leader_applies_and_the_head_endorses_from_home(client, partnership, system_leader, headteacher,
                                                                 world):
    with scopes_disabled():
        SystemLeaderFactory(partnership=partnership, home_school=world["school"], user=system_leader.user)
    cohort = world["cohort"]
    client.force_login(system_leader.user)
    assert "Apply for" in _text(client.get(_url("my_places", partnership)))
    empty = client.post(_url("place_apply", partnership, cohort.pk), {"statement": ""})
    assert "Say why you want a place" in _text(empty)
    response = client.post(_url("place_apply", partnership, cohort.pk), {"statement": "To lead maths across schools"})
    assert response.status_code == 302
    with scopes_disabled():
        place = Place.objects.get()
    client.force_login(headteacher.user)
    home = _text(client.get(reverse("tenant:home", args=[partnership.slug])))
    assert "Applications waiting for your endorsement (1)" in home
    refused = client.post(_url("place_endorse", partnership, place.pk), {"decision": "no", "note": ""})
    assert "Say why you do not endorse it" in _text(refused)
    client.post(_url("place_endorse", partnership, place.pk), {"decision": "yes"})
    with scopes_disabled():
        place.refresh_from_db()
        assert place.status == S.NOMINATED and place.endorsed_by == headteacher.user
