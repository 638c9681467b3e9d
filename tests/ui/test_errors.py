"""The portal's own error pages in both modes (DEBUG off in production, on in `make run`), and one log line
without a traceback for a refusal the portal means (403, 404)."""

from __future__ import annotations

import io
import logging

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from portal.tenancy.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.urls("tests.ui.error_urls")

HEADINGS = {400: "Sorry, that request could not be understood", 403: "You cannot open this page",
            404: "Page not found", 500: "Sorry, there is a problem with the service"}


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def log_lines():
    """What the project's own console handler writes while the test runs (the real logging set-up)."""
    handler = logging.getLogger("django").handlers[0]
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield lambda: [line for line in buffer.getvalue().splitlines() if line.strip()]
    handler.setStream(old)


def _heading(response, status: int) -> str:
    assert response.status_code == status
    return BeautifulSoup(response.content, "html.parser").h1.get_text(strip=True)


@pytest.mark.django_db
def test_an_unknown_address_gets_the_portal_404_page(debug, client, log_lines):
    assert _heading(client.get("/no-such-page/"), 404) == HEADINGS[404]
    assert log_lines() == [line for line in log_lines() if "Not Found: /no-such-page/" in line] and len(log_lines()) == 1


@pytest.mark.django_db
def test_an_outsider_gets_the_portal_404_page_and_one_log_line(debug, client, partnership, outsider, log_lines):
    client.force_login(outsider.user)
    assert _heading(client.get(f"/p/{partnership.slug}/members/"), 404) == HEADINGS[404]
    lines = log_lines()
    assert len(lines) == 1 and "Not Found" in lines[0] and "Traceback" not in "\n".join(lines)


@pytest.mark.django_db
def test_a_role_without_the_capability_gets_the_403_page_and_one_log_line(debug, client, partnership, log_lines):
    member = make_member(partnership, Role.HEADTEACHER)
    client.force_login(member.user)
    assert _heading(client.get(f"/p/{partnership.slug}/members/"), 403) == HEADINGS[403]
    lines = log_lines()
    assert len(lines) == 1, lines
    assert "Forbidden (Permission denied)" in lines[0] and "Traceback" not in "\n".join(lines)


@pytest.mark.django_db
def test_a_permission_denied_raised_anywhere_is_one_line(debug, client, log_lines):
    assert _heading(client.get("/test-refuse/"), 403) == HEADINGS[403]
    assert len(log_lines()) == 1


@pytest.mark.django_db
def test_a_bad_request_gets_the_portal_400_page(debug, client):
    assert _heading(client.get("/test-suspicious/"), 400) == HEADINGS[400]


@pytest.mark.django_db
def test_a_fault_gets_the_portal_500_page_and_keeps_its_traceback_in_the_log(debug, log_lines):
    client = Client(raise_request_exception=False)
    assert _heading(client.get("/test-boom/"), 500) == HEADINGS[500]
    output = "\n".join(log_lines())
    assert output.count("Traceback") == 1 and "a fault, on purpose" in output
    assert output.count("Internal Server Error: /test-boom/") == 1


@pytest.mark.django_db
def test_django_s_technical_404_stays_reachable_through_a_setting(client, settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_ERRORS = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and b"DEBUG = True" in response.content


@pytest.mark.django_db
def test_a_page_a_view_answers_with_an_error_status_stays_in_debug(client, settings):
    settings.DEBUG = True
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
