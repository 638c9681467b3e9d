"""The read-only API: what each resource returns, its filters, cursor pagination, tokens' lifetimes, usage logging
and rate limits, and the committed OpenAPI document."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken, ApiTokenUsage
from api.openapi import DOCUMENT, generated
from api.tokens import hash_secret
from portal.audit.models import AuditEvent
from tests.api.conftest import build_side, token_secret

pytestmark = pytest.mark.django_db


def test_schools_lists_the_partnership_s_schools_with_membership(call, sides, admin):
    status, body, _ = call("/schools", token_secret(admin))
    assert status == 200
    assert [row["urn"] for row in body["results"]] == ["139087", "110808", "101926"]
    assert body["results"][0]["la_code"] == "873" and body["results"][0]["is_member"] is True
    assert body["next_cursor"] is None
    assert "Private" not in str(body)


def test_filters_match_the_pages(call, sides, admin):
    secret = token_secret(admin)
    mine, _ = sides
    assert [r["urn"] for r in call("/schools", secret, la="307")[1]["results"]] == ["101926"]
    assert [r["urn"] for r in call("/schools", secret, cluster=mine["cluster"].pk)[1]["results"]] == [
        "139087", "110808"]
    assert len(call("/leaders", secret, la="873")[1]["results"]) == 2
    assert len(call("/deployments", secret, status="active", la="873")[1]["results"]) == 2
    assert call("/deployments", secret, status="completed")[1]["results"] == []
    assert len(call("/reviews", secret, term="2026-27 autumn")[1]["results"]) == 3
    assert call("/reviews", secret, term="2026-27 spring")[1]["results"] == []
    assert len(call("/requests", secret, cluster=mine["cluster"].pk)[1]["results"]) == 2


def test_leaders_have_contact_details_only_with_the_contacts_scope(call, sides, admin):
    without = call("/leaders", token_secret(admin))[1]["results"]
    assert {(r["email"], r["phone"]) for r in without} == {(None, None)}
    with_contacts = call("/leaders", token_secret(admin, contacts=True))[1]["results"]
    assert with_contacts[0]["email"] == "leader0@cambridgeshire.example.org"
    assert with_contacts[0]["phone"] == "01223 000000"


def test_reviews_give_rag_and_impact_but_no_narrative(call, sides, admin):
    rows = call("/reviews", token_secret(admin))[1]["results"]
    assert [(r["rag"], r["impact_score"], r["status"]) for r in rows] == [
        ("green", 7, "agreed"), ("amber", 7, "agreed"), ("amber", 7, "agreed")]
    assert len(rows[0]["objectives"]) == 1
    assert "Private" not in str(rows)


def test_requests_leave_out_their_free_text(call, sides, admin):
    rows = call("/requests", token_secret(admin))[1]["results"]
    assert len(rows) == 3 and "Private" not in str(rows) and "context" not in rows[0]


def test_dashboard_gives_the_page_s_headline_figures(call, sides, admin):
    status, body, _ = call("/dashboard", token_secret(admin), year="2026-27")
    assert status == 200, body
    assert body["year"] == "2026-27"
    assert body["active"] == 3 and body["schools_supported"] == 3
    assert body["impact_responses"] == 3 and body["impact_mean"] == 7.0
    limited = call("/dashboard", token_secret(admin, las=["307"]), year="2026-27")[1]
    assert limited["active"] == 1
    assert call("/dashboard", token_secret(admin), year="1999-00")[0] == 400


def test_a_token_limited_to_an_la_sees_only_its_schools_everywhere(call, sides, admin):
    secret = token_secret(admin, las=["307"])
    for path in ("/schools", "/leaders", "/requests", "/deployments", "/reviews"):
        rows = call(path, secret)[1]["results"]
        assert len(rows) == 1, path
    mine, _ = sides
    assert call(f"/deployments/{mine['deployments'][0].pk}", secret)[0] == 404
    assert call(f"/deployments/{mine['deployments'][2].pk}", secret)[0] == 200


def test_cursor_pages_are_stable_and_complete(call, sides, admin):
    secret = token_secret(admin)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        status, body, _ = call("/deployments", secret, **params)
        assert status == 200
        seen += [row["id"] for row in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    mine, _ = sides
    assert seen == sorted(d.pk for d in mine["deployments"]) and pages == 2
    assert call("/deployments", secret, cursor="not-ours")[0] == 400
    assert call("/deployments", secret, limit=0)[0] == 400


@pytest.mark.parametrize("secret", ["", "s2s_unknown", "Basic abc"])
def test_no_or_unknown_token_is_401(call, sides, secret):
    assert call("/schools", secret or None)[0] == 401


def test_revoked_and_expired_tokens_are_401(call, sides, admin):
    secret = token_secret(admin)
    assert call("/schools", secret)[0] == 200
    ApiToken.objects.filter(token_hash=hash_secret(secret)).update(expires_on=date.today() - timedelta(days=1))
    assert call("/schools", secret)[0] == 401
    other = token_secret(admin)
    ApiToken.objects.filter(token_hash=hash_secret(other)).update(revoked_at=timezone.now())
    assert call("/schools", other)[0] == 401


def test_every_use_is_counted_per_day_with_the_last_use(call, sides, admin, caplog):
    secret = token_secret(admin)
    with caplog.at_level("INFO", logger="api.usage"):
        for _ in range(3):
            call("/schools?phase=primary", secret)
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    # Every use is logged too, a line each, naming the token (never its secret), the partnership and the request.
    lines = [r.getMessage() for r in caplog.records if r.name == "api.usage"]
    assert len(lines) == 3 and all(f"API token {token.pk} " in line and "GET /api/v1/" in line
                                   and "phase=primary" in line and secret not in line for line in lines)
    usage = ApiTokenUsage.objects.get(token=token)
    assert (usage.requests, usage.refused) == (3, 0)
    assert token.last_used_at is not None


def test_over_the_rate_limit_is_429_with_retry_after(call, sides, admin, settings):
    settings.API_RATE_LIMIT = 2
    secret = token_secret(admin)
    assert [call("/schools", secret)[0] for _ in range(3)][:2] == [200, 200]
    status, body, response = call("/schools", secret)
    assert status == 429 and 1 <= int(response["Retry-After"]) <= settings.API_RATE_WINDOW
    # Another token has a window of its own.
    assert call("/schools", token_secret(admin))[0] == 200
    usage = ApiTokenUsage.objects.get(token__token_hash=hash_secret(secret))
    assert (usage.requests, usage.refused) == (2, 2)


def test_the_api_answers_while_redis_is_down(call, sides, admin, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    secret = token_secret(admin)
    assert call("/schools", secret)[0] == 200


def test_tokens_are_stored_hashed_with_a_prefix_and_audited(sides, admin):
    secret = token_secret(admin)
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    assert secret.startswith("s2s_") and len(secret) > 40 and token.prefix == secret[:8]
    assert AuditEvent.objects.filter(partnership=admin.partnership, action="api_token.created",
                                     object_id=str(token.pk)).exists()


def test_the_openapi_document_is_served_and_committed_up_to_date(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert set(response.json()["paths"]) >= {"/api/v1/schools", "/api/v1/dashboard"}
    assert DOCUMENT.read_text() == generated(), "docs/openapi.json is out of date: run `make openapi` and commit it"
    call_command("openapi", "--check")


def test_the_openapi_document_declares_no_private_fields():
    text = generated()
    for private in ("context", "notes", "overall_progress", "next_steps", "head_comments", "conflicts"):
        assert f'"{private}"' not in text


def _api_queries(client, path, secret) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/schools", "/leaders", "/requests", "/deployments", "/reviews"])
def test_a_page_of_results_takes_the_same_queries_whatever_its_size(client, sides, admin, partnership, path):
    secret = token_secret(admin)
    # Each measured request follows an unmeasured one, so both find the day's usage row and the connection's
    # row-level security settings in the same state.
    _api_queries(client, path, secret)
    small = _api_queries(client, path, secret)
    build_side(partnership, tag="more")  # three more of everything (the schools are the same three)
    _api_queries(client, path, secret)
    # The token, its LAs, the usage count and last use, the page's rows, and each prefetch (specialisms, needs,
    # objective ratings): never one per row.
    assert _api_queries(client, path, secret) == small
