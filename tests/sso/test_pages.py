"""The partnership's sign-in settings page (admins) and the user's text-reminder page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.sso.models import SignInProvider
from portal.tenancy.roles import Role
from tests.deployments.conftest import count_and_parse
from tests.factories import make_member
from tests.pages import done, parsed

pytestmark = pytest.mark.django_db


def url(partnership) -> str:
    return reverse("tenant:sso_settings", kwargs={"partnership_slug": partnership.slug})


def form_data(**overrides) -> dict:
    data = {"microsoft-email_domains": "", "google-email_domains": ""}
    data.update(overrides)
    return data


def test_an_admin_allows_microsoft_for_two_domains_and_it_is_audited(client, partnership, admin):
    client.force_login(admin.user)
    response = client.post(url(partnership), form_data(**{
        "microsoft-allowed": "on", "microsoft-email_domains": "Histon.cambs.sch.uk\n@impington.cambs.sch.uk, histon.cambs.sch.uk",
        "microsoft-enforces_mfa": "on"}), follow=True)
    soup = done(response, url(partnership), "Sign-in settings saved")
    row = SignInProvider.objects.get(partnership=partnership, provider="microsoft")
    assert (row.allowed, row.domains, row.enforces_mfa) == (True, ["histon.cambs.sch.uk", "impington.cambs.sch.uk"], True)
    google = SignInProvider.objects.get(partnership=partnership, provider="google")
    assert not google.allowed
    events = AuditEvent.objects.filter(partnership=partnership, action="sso.settings_changed").order_by("pk")
    assert [e.note for e in events] == ["Google", "Microsoft"] or [e.note for e in events] == ["Microsoft", "Google"]
    assert events.get(note="Microsoft").new["allowed"] is True
    # What is saved shows again; saving it unchanged records nothing more.
    assert soup.select_one("#id_microsoft-email_domains").get_text().split() == ["histon.cambs.sch.uk",
                                                                               "impington.cambs.sch.uk"]
    client.post(url(partnership), form_data(**{
        "microsoft-allowed": "on", "microsoft-email_domains": "histon.cambs.sch.uk\nimpington.cambs.sch.uk",
        "microsoft-enforces_mfa": "on"}))
    assert events.count() == 2


def test_mistakes_are_explained_and_what_was_typed_is_kept(client, partnership, admin):
    client.force_login(admin.user)
    response = client.post(url(partnership), form_data(**{
        "microsoft-allowed": "on", "google-allowed": "on", "google-email_domains": "not a domain"}))
    soup = parsed(response)
    summary = [a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")]
    assert summary == ["Enter at least one email domain, or stop allowing Microsoft sign-in",
                       "Enter email domains like stmarys.herts.sch.uk; “not a domain” is not one"]
    assert soup.select_one("#id_google-email_domains").get_text().strip() == "not a domain"
    assert soup.select_one("#id_google-allowed").has_attr("checked")
    assert soup.title.get_text().startswith("Error: ")
    assert not SignInProvider.objects.exists() and not AuditEvent.objects.filter(action="sso.settings_changed").exists()


@pytest.mark.parametrize("role", [Role.BROKER, Role.HEADTEACHER, Role.LA_OFFICER])
def test_only_admins_may_change_sign_in(client, partnership, role):
    member = make_member(partnership, role)
    client.force_login(member.user)
    assert client.get(url(partnership)).status_code == 403
    assert client.post(url(partnership), form_data(**{"google-allowed": "on",
                                                       "google-email_domains": "x.org"})).status_code == 403
    assert not SignInProvider.objects.exists()


def test_the_settings_page_says_which_providers_this_service_has_not_set_up(client, partnership, admin, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [
        {"provider_id": "google", "name": "Google", "client_id": "x", "secret": "y",
         "settings": {"server_url": "http://127.0.0.1:9"}}]}}
    client.force_login(admin.user)
    notes = [n.get_text(" ", strip=True) for n in parsed(client.get(url(partnership))).select("main .govuk-inset-text")]
    assert notes == ["Microsoft sign-in is not set up on this service yet: what you save here applies once it is."]


def test_the_settings_page_makes_a_fixed_number_of_queries(client, partnership, admin):
    SignInProvider.objects.create(partnership=partnership, provider="microsoft", allowed=True, email_domains="a.org")
    queries, soup = count_and_parse(client, url(partnership), admin.user)
    # The same with one provider saved or both: the settings are read in one query.
    assert queries == 7, queries  # the layout's switcher and unread count come with the membership
    assert soup.h1.get_text(strip=True) == "Sign-in with Microsoft or Google"


# --- the user's text reminders ------------------------------------------------------------------------------------

REMINDERS = "/account/text-reminders/"


@pytest.mark.parametrize("typed", ["07700 900123", "+44 7700 900123", "+44 (0)7700-900123", "447700900123"])
def test_a_user_gives_a_uk_mobile_and_agrees_to_text_reminders(client, system_leader, typed):
    client.force_login(system_leader.user)
    response = client.post(REMINDERS, {"mobile_number": typed, "text_reminders": "on"}, follow=True)
    done(response, REMINDERS, "Text reminders are on")
    user = system_leader.user
    user.refresh_from_db()
    assert user.mobile_number == "+447700900123" and user.sms_opted_in_at is not None and user.wants_text_reminders
    agreed = user.sms_opted_in_at
    # Saving again keeps the date agreed; a new number is a new agreement; unticking stops them.
    client.post(REMINDERS, {"mobile_number": "07700 900123", "text_reminders": "on"})
    user.refresh_from_db()
    assert user.sms_opted_in_at == agreed
    client.post(REMINDERS, {"mobile_number": "07700 900456", "text_reminders": "on"})
    user.refresh_from_db()
    assert user.sms_opted_in_at > agreed
    done(client.post(REMINDERS, {"mobile_number": "07700 900456"}, follow=True), REMINDERS, "Text reminders are off")
    user.refresh_from_db()
    assert user.sms_opted_in_at is None and not user.wants_text_reminders


@pytest.mark.parametrize(("typed", "wanted", "error"), [
    ("020 7946 0000", "on", "Enter a UK mobile phone number, like 07700 900123"),
    ("07700 90012", "", "Enter a UK mobile phone number, like 07700 900123"),
    ("", "on", "Enter a UK mobile phone number to get text reminders"),
])
def test_a_number_that_is_not_a_uk_mobile_is_refused(client, system_leader, typed, wanted, error):
    client.force_login(system_leader.user)
    soup = parsed(client.post(REMINDERS, {"mobile_number": typed, "text_reminders": wanted}))
    assert [a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")] == [error]
    assert soup.select_one("#id_mobile_number")["value" if typed else "id"] == (typed or "id_mobile_number")
    system_leader.user.refresh_from_db()
    assert system_leader.user.mobile_number == "" and system_leader.user.sms_opted_in_at is None


def test_the_reminders_page_shows_the_date_agreed_in_a_fixed_number_of_queries(client, system_leader):
    user = system_leader.user
    user.mobile_number, user.sms_opted_in_at = "+447700900123", timezone.now()
    user.save()
    queries, soup = count_and_parse(client, REMINDERS, user)
    assert queries == 5, queries
    assert "You agreed to text reminders on" in soup.select_one("main .govuk-inset-text").get_text()


def test_the_reminders_page_needs_a_sign_in(client):
    response = client.get(REMINDERS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
