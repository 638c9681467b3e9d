"""The Webhooks page: an admin adds an endpoint (secret shown once) and turns it off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import WebhookEndpoint
from portal.audit.models import AuditEvent
from tests.pages import parsed

pytestmark = pytest.mark.django_db
PAGE = "/p/cambridgeshire/webhooks/"


def test_an_admin_adds_a_webhook_whose_secret_is_shown_once(client, admin):
    client.force_login(admin.user)
    soup = parsed(client.post(PAGE, {"url": "https://warehouse.example.org/hooks", "events": ["review.agreed"]},
                              follow=True))
    secret = soup.select_one("#new-secret")["value"]
    endpoint = WebhookEndpoint.objects.get(partnership=admin.partnership)
    assert secret == endpoint.secret and endpoint.events == ["review.agreed"]
    again = client.get(PAGE)
    assert secret not in again.content.decode()
    assert "https://warehouse.example.org/hooks" in parsed(again).select_one("table").get_text()
    assert AuditEvent.objects.filter(action="webhook.created", object_id=str(endpoint.pk)).exists()


def test_a_plain_http_address_is_refused_keeping_what_was_typed(client, admin):
    client.force_login(admin.user)
    soup = parsed(client.post(PAGE, {"url": "http://warehouse.example.org/hooks", "events": ["review.agreed"]}))
    assert "https://" in soup.select_one(".govuk-error-summary").get_text()
    assert soup.select_one("#id_url")["value"] == "http://warehouse.example.org/hooks"
    assert soup.select_one("input[value='review.agreed']").has_attr("checked")
    assert not WebhookEndpoint.objects.exists()


def test_turning_a_webhook_off(client, admin):
    client.force_login(admin.user)
    client.post(PAGE, {"url": "https://warehouse.example.org/hooks", "events": ["review.agreed"]})
    endpoint = WebhookEndpoint.objects.get()
    url = f"/p/cambridgeshire/webhooks/{endpoint.pk}/turn-off/"
    assert parsed(client.get(url)).h1 is not None
    assert client.post(url).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert AuditEvent.objects.filter(action="webhook.disabled").exists()


def test_the_page_s_queries_do_not_grow_with_webhooks(client, admin):
    client.force_login(admin.user)
    client.post(PAGE, {"url": "https://a.example.org/hooks", "events": ["review.agreed"]})

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    for n in range(4):
        client.post(PAGE, {"url": f"https://b{n}.example.org/hooks", "events": ["review.agreed"]})
    # Session, user, membership, the endpoints with their delivery counts.
    assert queries() == small
