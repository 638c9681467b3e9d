"""An invitation names the schools a headteacher leads (or the LAs an LA officer oversees), chosen by name or
URN without JavaScript; accepting links the new member to them, so an invited head can ask for support at once.
The member page's links form takes names too, and lists the schools a name could mean."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from portal.audit.models import AuditEvent
from portal.errors import DomainError
from portal.tenancy import services
from portal.tenancy.models import Invitation, Membership, hash_token
from portal.tenancy.roles import Role
from tests.factories import LocalAuthorityFactory, SchoolFactory, UserFactory
from tests.pages import parsed


@pytest.fixture
def histons(db):
    """Two schools whose names start with Histon, and one other."""
    cambs = LocalAuthorityFactory()
    return {"junior": SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=cambs, town="Histon"),
            "infant": SchoolFactory(urn="110650", name="Histon and Impington Infant School", la=cambs, town="Histon"),
            "comberton": SchoolFactory(urn="137049", name="Comberton Village College", la=cambs, town="Comberton")}


def _invite(client, admin, **data):
    client.force_login(admin.user)
    return client.post(f"/p/{admin.partnership.slug}/members/invite/",
                       {"email": "new.head@example.org", "role": Role.HEADTEACHER, **data})


def test_an_invitation_links_the_new_head_to_its_schools_when_accepted(admin, histons):
    with scope(partnership=admin.partnership):
        sent = services.invite_member(actor=admin, email="head@example.org", role=Role.HEADTEACHER,
                                      schools=[histons["junior"]])
    assert AuditEvent.objects.get(action="invitation.sent").new["schools"] == ["139087"]
    membership = services.accept_invitation(token=sent.token, user=UserFactory(email="head@example.org"))
    with scopes_disabled():
        assert list(membership.schools.values_list("urn", flat=True)) == ["139087"]
        assert AuditEvent.objects.get(action="membership.joined").new["schools"] == ["139087"]


def test_an_invitation_links_an_la_officer_to_their_authorities(admin, histons):
    cambs = LocalAuthorityFactory()
    with scope(partnership=admin.partnership):
        sent = services.invite_member(actor=admin, email="la@example.org", role=Role.LA_OFFICER, local_authorities=[cambs])
    membership = services.accept_invitation(token=sent.token, user=UserFactory(email="la@example.org"))
    with scopes_disabled():
        assert list(membership.local_authorities.values_list("code", flat=True)) == ["873"]


@pytest.mark.parametrize("role", [Role.BROKER, Role.LA_OFFICER])
def test_schools_are_refused_for_a_role_that_leads_none(admin, histons, role):
    with scope(partnership=admin.partnership), pytest.raises(DomainError, match="Only headteachers lead schools"):
        services.invite_member(actor=admin, email="x@example.org", role=role, schools=[histons["junior"]])
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_the_admin_invites_a_head_choosing_the_school_by_name(client, admin, histons):
    response = _invite(client, admin, schools="Comberton")
    assert response.status_code == 302
    with scopes_disabled():
        assert list(Invitation.objects.get().schools.values_list("urn", flat=True)) == ["137049"]


def test_a_name_that_fits_several_schools_lists_them_to_choose_from(client, admin, histons):
    soup = parsed(_invite(client, admin, schools="Histon\n137049"))
    assert soup.title.get_text().startswith("Error: ")
    assert "More than one school matches Histon (2 schools)" in soup.select_one(".govuk-error-summary").get_text()
    boxes = {box["value"]: box.find_next("label").get_text(" ", strip=True) for box in soup.select("input[name=school_choices]")}
    assert boxes == {"110650": "Histon and Impington Infant School (URN 110650, Histon, Cambridgeshire)",
                     "139087": "Histon and Impington Junior School (URN 139087, Histon, Cambridgeshire)"}
    assert soup.select_one("textarea[name=schools]").get_text(strip=True) == "Histon\n137049"
    with scopes_disabled():
        assert not Invitation.objects.exists()
    # Ticking one sends the invitation with it (and the school typed by URN).
    assert _invite(client, admin, schools="Histon\n137049", school_choices=["139087"]).status_code == 302
    with scopes_disabled():
        assert sorted(Invitation.objects.get().schools.values_list("urn", flat=True)) == ["137049", "139087"]


def test_a_name_that_fits_no_school_is_named(client, admin, histons):
    soup = parsed(_invite(client, admin, schools="Hogwarts"))
    assert "No school matches Hogwarts" in soup.select_one(".govuk-error-summary").get_text()


def test_the_member_links_form_takes_names_and_shows_saved_schools_by_urn_and_name(client, admin, headteacher, histons):
    client.force_login(admin.user)
    url = f"/p/{admin.partnership.slug}/members/{headteacher.pk}/"
    client.post(f"{url}links/", {"schools": "Comberton Village College\n139087"})
    with scopes_disabled():
        assert sorted(Membership.objects.get(pk=headteacher.pk).schools.values_list("urn", flat=True)) == [
            "137049", "139087"]
    shown = parsed(client.get(url)).select_one("textarea[name=schools]").get_text(strip=True).splitlines()
    assert shown == ["137049 Comberton Village College", "139087 Histon and Impington Junior School"]
    # Saving the form as shown keeps the same schools.
    client.post(f"{url}links/", {"schools": "\n".join(shown)})
    with scopes_disabled():
        assert Membership.objects.get(pk=headteacher.pk).schools.count() == 2
    ambiguous = parsed(client.post(f"{url}links/", {"schools": "Histon"}))
    assert len(ambiguous.select("input[name=school_choices]")) == 2


def test_an_invited_head_can_ask_for_support_straight_after_accepting(client, admin, histons):
    client.force_login(admin.user)
    _invite(client, admin, schools="Comberton")
    with scopes_disabled():
        invitation = Invitation.objects.get()
    token = "known-token"
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    head = UserFactory(email="new.head@example.org")
    client.force_login(head)
    page = parsed(client.get(f"/invitations/{token}/"))
    assert "Comberton Village College (URN 137049)" in page.main.get_text(" ", strip=True)
    client.post(f"/invitations/{token}/")
    slug = admin.partnership.slug
    start = parsed(client.get(f"/p/{slug}/requests/new/"))
    assert start.select_one("input[name=school], select[name=school]") is not None
    response = client.post(f"/p/{slug}/requests/new/", {"school": "137049"})
    assert response.status_code == 302 and response["Location"].endswith("/needs/")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_invite_and_member_pages_use_a_fixed_number_of_queries(client, admin, headteacher, histons):
    client.force_login(admin.user)
    slug = admin.partnership.slug
    invite, member = f"/p/{slug}/members/invite/", f"/p/{slug}/members/{headteacher.pk}/"
    # Session, user, membership (with the layout's switcher and unread count), the local authorities for the select.
    small = (_queries(client, invite), _queries(client, member))
    for n in range(5):
        LocalAuthorityFactory(code=f"9{n:02d}", name=f"Authority {n}")
        headteacher.schools.add(SchoolFactory(urn=f"60000{n}", name=f"School {n}"))
    assert (_queries(client, invite), _queries(client, member)) == small
    assert small == (7, 10), small
