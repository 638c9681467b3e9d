"""The foundation's and the directory's destructive actions go through the shared confirmation page: removing a
member, withdrawing an invitation, deleting a term-dates period or a specialism. GET says what will happen and
who is told and changes nothing; POST does it; without the CSRF token it is refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alliances.models import Specialism
from portal.calendar.models import CalendarPeriod
from portal.tenancy.models import Invitation, Membership
from tests.factories import CalendarPeriodFactory, SpecialismFactory, make_invitation
from tests.pages import done, list_after, parsed


def _page(client, url) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as ctx:
        soup = parsed(client.get(url))
    said = {"title": soup.h1.get_text(strip=True), "happens": list_after(soup, "What will happen"),
            "told": soup.select_one("#who-is-told").get_text(" ", strip=True),
            "button": soup.select_one("main form button[type=submit]").get_text(strip=True),
            "cancel": soup.find("a", string="Cancel")["href"]}
    return said, len(ctx.captured_queries)


def test_removing_a_member_is_confirmed_first(client, admin, broker):
    client.force_login(admin.user)
    slug = admin.partnership.slug
    member_url = f"/p/{slug}/members/{broker.pk}/"
    link = parsed(client.get(member_url)).find("a", string="Deactivate membership")
    assert link["href"] == f"{member_url}deactivate/"
    said, queries = _page(client, link["href"])
    assert said["title"] == f"Remove {broker.user.email} from {admin.partnership.name}?"
    assert said["told"].startswith(broker.user.email) and said["cancel"] == member_url
    assert queries == 7  # session, user, membership (middleware, with the layout's switcher and unread count), the member
    with scopes_disabled():
        assert Membership.objects.get(pk=broker.pk).is_active
    done(client.post(link["href"], {"reason": "Left the school"}, follow=True), member_url, "can no longer open")
    with scopes_disabled():
        assert not Membership.objects.get(pk=broker.pk).is_active
    # Already deactivated: the page goes back to the member.
    assert client.get(link["href"])["Location"] == member_url


def test_withdrawing_an_invitation_is_confirmed_first(client, admin):
    invitation = make_invitation(admin.partnership, email="late@example.org")
    client.force_login(admin.user)
    slug = admin.partnership.slug
    link = parsed(client.get(f"/p/{slug}/members/")).select_one(f"a[href='/p/{slug}/invitations/{invitation.pk}/withdraw/']")
    assert link.get_text(" ", strip=True) == "Withdraw invitation to late@example.org"
    said, queries = _page(client, link["href"])
    assert said["title"] == "Withdraw the invitation to late@example.org?" and said["told"] == "Nobody else is told."
    assert said["happens"][0] == "The link in the invitation email stops working." and queries == 7
    done(client.post(link["href"], follow=True), f"/p/{slug}/members/", "was withdrawn")
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_deleting_a_term_dates_period_is_confirmed_first(client, broker):
    period = CalendarPeriodFactory(partnership=broker.partnership)
    client.force_login(broker.user)
    slug = broker.partnership.slug
    edit = f"/p/{slug}/term-dates/{period.pk}/"
    link = parsed(client.get(edit)).find("a", string="Delete Autumn term")
    said, queries = _page(client, link["href"])
    assert said["title"] == "Delete Autumn term?" and said["cancel"] == edit and queries == 7
    assert said["happens"][0] == "Autumn term (3 September 2026 to 18 December 2026) is deleted."
    done(client.post(link["href"], follow=True), f"/p/{slug}/term-dates/", "Deleted Autumn term")
    with scopes_disabled():
        assert not CalendarPeriod.objects.exists()


def test_deleting_a_specialism_is_confirmed_first(client, broker):
    oracy = SpecialismFactory(partnership=broker.partnership, name="Oracy")
    client.force_login(broker.user)
    slug = broker.partnership.slug
    link = parsed(client.get(f"/p/{slug}/specialisms/")).select_one(f"a[href='/p/{slug}/specialisms/{oracy.pk}/delete/']")
    said, queries = _page(client, link["href"])
    assert said["title"] == "Delete the specialism Oracy?" and said["button"] == "Delete specialism" and queries == 7
    done(client.post(link["href"], follow=True), f"/p/{slug}/specialisms/", "Deleted Oracy")
    with scopes_disabled():
        assert not Specialism.objects.filter(pk=oracy.pk).exists()


@pytest.mark.parametrize("which", ["member", "invitation"])
def test_a_confirmation_without_the_csrf_token_is_refused(admin, broker, which):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    invitation = make_invitation(admin.partnership, email="late@example.org")
    slug = admin.partnership.slug
    url = {"member": f"/p/{slug}/members/{broker.pk}/deactivate/",
           "invitation": f"/p/{slug}/invitations/{invitation.pk}/withdraw/"}[which]
    assert client.post(url).status_code == 403
    with scopes_disabled():
        assert Membership.objects.get(pk=broker.pk).is_active
        assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
