from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from portal.accounts.middleware import SIGNED_IN_AT
from portal.accounts.services import deactivate_user
from portal.audit.models import AuditEvent
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.factories import PASSWORD, UserFactory, make_invitation, make_member
from tests.pages import text


@pytest.mark.parametrize("role", [Role.BROKER, Role.APPROVER, Role.LA_OFFICER, Role.ADMIN])
def test_staff_roles_without_mfa_are_sent_to_set_it_up(client, partnership, role):
    member = make_member(partnership, role, mfa=False)
    client.force_login(member.user)
    response = client.get(f"/p/{partnership.slug}/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_a_password_only_session_is_asked_for_a_code_even_if_the_user_has_mfa(client, partnership):
    # A headteacher signs in with a password only; later an admin makes them a broker and they set up
    # TOTP elsewhere. This session has not passed a second factor, so it must be asked for a code.
    member = make_member(partnership, Role.HEADTEACHER, mfa=False)
    assert client.login(username=member.user.email, password=PASSWORD)
    assert client.get(f"/p/{partnership.slug}/").status_code == 200
    member.role = Role.BROKER
    member.save()
    from tests.factories import give_mfa

    give_mfa(member.user)
    response = client.get(f"/p/{partnership.slug}/members/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/account/2fa/reauthenticate/?next=%2Fp%2Fcambridgeshire%2Fmembers%2F%3Fx%3D1"


@pytest.mark.parametrize("role", [Role.HEADTEACHER, Role.SYSTEM_LEADER])
def test_school_roles_do_not_need_mfa(client, partnership, role):
    member = make_member(partnership, role, mfa=False)
    client.force_login(member.user)
    assert client.get(f"/p/{partnership.slug}/").status_code == 200


def test_demo_users_may_skip_mfa_only_when_the_setting_is_on(client, partnership, settings):
    member = make_member(partnership, Role.BROKER, user=UserFactory(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"), mfa=False)
    client.force_login(member.user)
    assertRedirects(client.get(f"/p/{partnership.slug}/"), reverse("mfa_activate_totp"), fetch_redirect_response=False)
    settings.MFA_EXEMPT_DEMO_USERS = True
    assert client.get(f"/p/{partnership.slug}/").status_code == 200
    # The exemption never covers a real address.
    real = make_member(partnership, Role.APPROVER, mfa=False)
    client.force_login(real.user)
    assertRedirects(client.get(f"/p/{partnership.slug}/"), reverse("mfa_activate_totp"), fetch_redirect_response=False)


def test_a_system_check_refuses_the_demo_exemption_without_debug(settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    settings.DEBUG = False
    with pytest.raises(SystemCheckError, match="portal.E001"):
        call_command("check")


def test_platform_staff_need_mfa_for_django_admin(client, db):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    from tests.factories import give_mfa

    give_mfa(operator)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_reauthenticate"))


def test_django_admin_signs_in_through_allauth(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_sessions_end_twelve_hours_after_sign_in_however_active(client, headteacher):
    client.force_login(headteacher.user)
    url = f"/p/{headteacher.partnership.slug}/"
    assert client.get(url).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    again = client.get(url)  # signed out for good
    assert again.status_code == 302 and again["Location"].startswith(reverse("account_login"))


def test_idle_sessions_expire_after_thirty_minutes(client, headteacher):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(headteacher.user)
    url = f"/p/{headteacher.partnership.slug}/"
    assert client.get(url).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # Each request pushes the expiry 30 minutes ahead...
    assert timedelta(minutes=29) < session.expire_date - timezone.now() <= timedelta(minutes=30)
    # ...so 30 idle minutes end the session.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_deactivating_a_user_ends_every_session_they_have(client, headteacher, admin):
    other_browser = client.__class__()
    client.force_login(headteacher.user)
    other_browser.force_login(headteacher.user)
    url = f"/p/{headteacher.partnership.slug}/"
    assert other_browser.get(url).status_code == 200
    deactivate_user(user=headteacher.user, actor=admin.user, note="Left the school")
    headteacher.user.is_active = True  # even if reactivated later, the old sessions stay dead
    headteacher.user.save()
    for browser in (client, other_browser):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert AuditEvent.objects.filter(action="user.deactivated", note="Left the school").count() == 1


def test_sign_in_lands_on_the_role_home_page(client, headteacher):
    response = client.post(reverse("account_login"), {"login": headteacher.user.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"/p/{headteacher.partnership.slug}/"
    assert "Your role: <strong>Headteacher</strong>" in response.content.decode()


def test_several_memberships_land_on_the_choice_then_the_last_used(client, partnership, other_partnership):
    member = make_member(partnership, Role.HEADTEACHER)
    make_member(other_partnership, Role.SYSTEM_LEADER, user=member.user)
    client.force_login(member.user)
    choice = client.get("/")
    assert choice.status_code == 200 and "Choose a partnership" in choice.content.decode()
    client.get(f"/p/{other_partnership.slug}/")
    assert client.get("/")["Location"] == f"/p/{other_partnership.slug}/"


def test_a_user_without_memberships_is_told_what_to_do(client, db):
    client.force_login(UserFactory())
    assert "not in a partnership yet" in client.get("/").content.decode()


def test_repeated_failed_sign_ins_are_rate_limited(client, headteacher):
    def attempt(password):
        return client.post(reverse("account_login"), {"login": headteacher.user.email, "password": password})

    first = text(attempt("wrong"))  # the form again, with the plain error, not yet the lock-out
    assert "are not correct" in first and "Too many failed" not in first
    for _ in range(5):
        attempt("wrong")
    # Locked out now, even with the right password.
    locked = attempt(PASSWORD)
    assert locked.status_code == 200 and "Too many failed login attempts" in locked.content.decode()


def test_sign_up_is_closed_without_an_invitation(client, db):
    response = client.get(reverse("account_signup"))
    assert "Accounts are by invitation" in response.content.decode()


def test_an_invitation_opens_sign_up_with_the_address_already_verified(client, partnership):
    make_invitation(partnership, token="tok", email="newcomer@example.org", role=Role.HEADTEACHER)
    page = client.get("/invitations/tok/")
    assert page.status_code == 200 and "Join Cambridgeshire" in page.content.decode()
    response = client.post(
        reverse("account_signup") + "?next=/invitations/tok/",
        {"email": "newcomer@example.org", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase",
         "name": "Nia Newcomer", "next": "/invitations/tok/"},
    )
    assert response.status_code == 302 and response["Location"] == "/invitations/tok/"
    accepted = client.post("/invitations/tok/")
    assert accepted["Location"] == f"/p/{partnership.slug}/"
    membership = Membership.objects.get(user__email="newcomer@example.org")
    assert membership.role == Role.HEADTEACHER and membership.user.name == "Nia Newcomer"


@pytest.mark.parametrize(("change", "status", "text"), [
    ({"expires_in_days": -1}, 410, "has expired"),
    ({"revoked_at": "now"}, 410, "withdrawn"),
    ({"accepted_at": "now"}, 410, "already been used"),
])
def test_unusable_invitation_links_get_a_clear_page(client, partnership, change, status, text):
    from django.utils import timezone

    change = {k: (timezone.now() if v == "now" else v) for k, v in change.items()}
    make_invitation(partnership, token="tok", **change)
    response = client.get("/invitations/tok/")
    assert response.status_code == status and text in response.content.decode()


def test_a_tampered_invitation_link_gets_a_clear_404(client, db):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_an_invitation_for_someone_else_is_explained(client, partnership):
    make_invitation(partnership, token="tok", email="right@example.org")
    client.force_login(UserFactory(email="wrong@example.org"))
    page = client.get("/invitations/tok/")
    assert "you are signed in as wrong@example.org" in page.content.decode()
    assert client.post("/invitations/tok/").status_code == 403


def test_password_reset_by_email_link(client, headteacher, mailoutbox):
    import re

    client.post(reverse("account_reset_password"), {"email": headteacher.user.email})
    [message] = mailoutbox
    link = re.search(r"http://\S+/account/password/reset/key/\S+/", message.body).group(0)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(action, {"password1": "a-brand-new-pass-phrase", "password2": "a-brand-new-pass-phrase"})
    assertRedirects(done, reverse("account_reset_password_from_key_done"), fetch_redirect_response=False)
    assert client.login(username=headteacher.user.email, password="a-brand-new-pass-phrase")


def test_the_beat_schedule_names_registered_tasks():
    from portal.celery import app

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


def test_an_operator_creates_a_partnership_and_invites_its_first_admin(client, db, mailoutbox):
    from tests.factories import give_mfa

    operator = UserFactory(is_staff=True, is_superuser=True)
    give_mfa(operator)
    client.force_login(operator)
    response = client.post("/admin/portal/partnership/add/", {
        "name": "Suffolk Learning Partnership", "slug": "suffolk", "designation_labels": '{"SLE": "SLE"}',
        "alliance_label": "Hub", "four_eyes_approval": "on", "offer_expiry_days": 10, "review_due_school_days": 10,
        "is_active": "on",
        "first_admin_email": "lead@suffolk.example.org",
    })
    assert response.status_code == 302 and response["Location"] == "/admin/portal/partnership/", response.content.decode()[:3000]
    from portal.tenancy.models import Invitation

    invitation = Invitation.objects.get(email="lead@suffolk.example.org")
    assert invitation.role == Role.ADMIN and invitation.partnership.slug == "suffolk"
