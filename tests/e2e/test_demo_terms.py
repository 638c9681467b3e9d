"""Issue 12 in a real browser on the demo data: the broker takes on the demo headteacher's maths request and
finds the demo system leader, Sam Systemleader, at the top of the matching page; the term dates page marks the
years the LA has not confirmed as provisional. axe-core on both pages."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from deployments.models import SupportRequest
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_accessibility import demo, sign_in  # noqa: F401  (demo is a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_broker_finds_the_demo_leader_first_for_the_demo_request(page, live_server, demo):  # noqa: F811
    base, visited = live_server.url, []
    sign_in(page, base, "broker")
    with scopes_disabled():  # the demo headteacher's maths request, sent and waiting (the README's walk-through)
        maths = SupportRequest.objects.get(partnership__slug="cambridgeshire", status="submitted")
    page.goto(f"{base}/p/cambridgeshire/requests/{maths.pk}/")
    assert "Mathematics" in page.locator("main").inner_text()
    page.get_by_role("button", name="Triage this request").click()
    page.get_by_label("Yes, find a system leader").check()
    page.get_by_label("Targeted support").check()
    page.get_by_role("button", name="Save decision").click()
    page.get_by_role("button", name="Find and offer system leaders").click()
    check_accessibility(page, visited)
    first = page.locator("#id_leaders tbody tr").first
    assert "Sam Systemleader" in first.inner_text()
    assert "covers 2 of 2 need areas" in first.inner_text()

    page.goto(f"{base}/p/cambridgeshire/term-dates/")
    check_accessibility(page, visited)
    captions = page.locator("main caption").all_inner_texts()
    assert any(c.startswith("2026-27") and "Provisional" in c for c in captions)
    assert any(c.startswith("2025-26") and "Provisional" in c for c in captions)
    assert any(c.strip() == "2020-21" for c in captions)
