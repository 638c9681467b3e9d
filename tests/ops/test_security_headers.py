"""Security headers on every page: a CSP with no unsafe-inline (the one inline script by nonce), Referrer-Policy,
Permissions-Policy; and /.well-known/security.txt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.observability import security_txt

ROOT = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def test_pages_send_a_strict_policy_and_the_inline_script_has_its_nonce(client, admin):
    client.force_login(admin.user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    [nonce] = [source[len("'nonce-"):-1] for source in policy["script-src"] if source.startswith("'nonce-")]
    page = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline == [f' nonce="{nonce}"']
    assert client.get("/")["Content-Security-Policy"] != response["Content-Security-Policy"]  # a nonce a request
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_the_error_pages_have_the_policy_and_the_nonce_too(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in response.content.decode()


def test_no_template_has_an_inline_style_or_an_unnonced_inline_script():
    """Email templates are exempt: mail clients need inline styles and never see the page's CSP."""
    offenders = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" in path.parts or "node_modules" in path.parts or "emails" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\sstyle=", text):
            offenders.append(f"{path.relative_to(ROOT)}: style attribute")
        for attributes in re.findall(r"<script([^>]*)>", text):
            if "src=" not in attributes and "nonce=" not in attributes and 'type="application/json"' not in attributes:
                offenders.append(f"{path.relative_to(ROOT)}: inline script without a nonce")
    assert not offenders, offenders


def test_dashboard_bars_are_sized_by_class():
    css = (ROOT / "static" / "scss" / "app.scss").read_text(encoding="utf-8")
    assert "@for $step from 0 through 100" in css and ".app-chart__bar--w#{$step}" in css


def test_security_txt_says_where_to_report_and_until_when(client, db, settings):
    settings.SECURITY_CONTACT = "mailto:security@portal.example.org"
    settings.SECURITY_TXT_EXPIRES = "2027-06-30"
    settings.SECURITY_POLICY_URL = ""
    response = client.get("/.well-known/security.txt", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:security@portal.example.org"
    assert fields["Expires"] == "2027-06-30T00:00:00Z"
    assert fields["Canonical"].endswith("/.well-known/security.txt") and "Policy" not in fields
    assert client.post("/.well-known/security.txt").status_code == 405


def test_security_txt_expires_within_a_year_by_default_and_refuses_a_bad_date(settings):
    settings.SECURITY_TXT_EXPIRES = ""
    left = security_txt.expires() - datetime.now(UTC)
    assert timedelta(days=300) < left <= timedelta(days=365)
    settings.SECURITY_TXT_EXPIRES = "30/06/2027"
    with pytest.raises(ImproperlyConfigured, match="YYYY-MM-DD"):
        security_txt.expires()
