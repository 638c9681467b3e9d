"""The floor page (`tenant:ping`): "ok" behind the whole middleware stack, for members only, in a fixed
number of queries whatever the partnership holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import SystemLeaderFactory, make_member

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), response


def test_ping_answers_ok_to_every_member_in_the_same_queries_at_any_size(client, partnership, broker):
    url = reverse("tenant:ping", kwargs={"partnership_slug": partnership.slug})
    client.force_login(broker.user)
    small, response = _queries(client, url)
    assert response.status_code == 200 and response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain") and response["Cache-Control"] == "no-store"
    for _ in range(5):
        SystemLeaderFactory(partnership=partnership)
    large, _ = _queries(client, url)
    assert small == large
    for role in ("headteacher", "system_leader", "approver", "la_officer", "admin"):
        client.force_login(make_member(partnership, role).user)
        assert client.get(url).content == b"ok", role


def test_ping_is_no_public_hole(client, partnership, other_partnership, broker):
    url = reverse("tenant:ping", kwargs={"partnership_slug": partnership.slug})
    response = client.get(url)
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    client.force_login(make_member(other_partnership, "broker").user)
    assert client.get(url).status_code == 404
