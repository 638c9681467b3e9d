"""The API tokens page: an admin makes a token (shown once), sees it listed by its prefix, and revokes it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ApiToken
from portal.audit.models import AuditEvent
from tests.api.conftest import token_secret
from tests.pages import parsed

pytestmark = pytest.mark.django_db
PAGE = "/p/cambridgeshire/api-tokens/"


def _valid(**changes) -> dict:
    data = {"name": "County data warehouse", "scopes": ["schools", "deployments"], "local_authorities": ["873"],
            "expires_on": (date.today() + timedelta(days=90)).strftime("%d/%m/%Y")}
    data.update(changes)
    return data


def test_an_admin_makes_a_token_that_is_shown_once_and_works(client, sides, admin):
    client.force_login(admin.user)
    soup = parsed(client.post(PAGE, _valid(), follow=True))
    secret = soup.select_one("#new-token")["value"]
    token = ApiToken.objects.get(partnership=admin.partnership)
    assert secret.startswith(token.prefix) and token.scopes == ["deployments", "schools"]
    assert list(token.local_authorities.values_list("code", flat=True)) == ["873"]
    # Listed by its prefix; the secret is never shown again.
    again = client.get(PAGE)
    assert secret not in again.content.decode()
    assert f"{token.prefix}…" in parsed(again).select_one("table").get_text()
    client.logout()
    response = client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [row["urn"] for row in response.json()["results"]] == ["139087", "110808"]  # Cambridgeshire only


def test_a_bad_form_keeps_what_was_typed_and_says_what_to_fix(client, sides, admin):
    client.force_login(admin.user)
    soup = parsed(client.post(PAGE, _valid(scopes=[], expires_on="31/2/2027")))
    summary = soup.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "Choose at least one resource" in summary and "day/month/year" in summary
    assert soup.select_one("#id_name")["value"] == "County data warehouse"
    assert not ApiToken.objects.exists()
    past = parsed(client.post(PAGE, _valid(expires_on="1/1/2020")))
    assert "future" in past.select_one(".govuk-error-summary").get_text()


def test_revoking_stops_the_token_and_is_audited(client, sides, admin):
    secret = token_secret(admin)
    token = ApiToken.objects.get(partnership=admin.partnership)
    client.force_login(admin.user)
    url = f"/p/cambridgeshire/api-tokens/{token.pk}/revoke/"
    assert "Revoke Data warehouse?" in parsed(client.get(url)).h1.get_text()
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin.user
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()
    client.logout()
    assert client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_other_roles_cannot_open_the_page(client, broker, la_officer):
    for member in (broker, la_officer):
        client.force_login(member.user)
        assert client.get(PAGE).status_code == 403


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PAGE).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_s_queries_do_not_grow_with_tokens(client, sides, admin):
    token_secret(admin)
    client.force_login(admin.user)
    small = _queries(client)
    for n in range(5):
        token_secret(admin, las=["873", "307"], name=f"Token {n}")
    # Session, user, membership, the tokens with their creators, their LAs, their usage totals, the LAs on offer.
    assert _queries(client) == small
