"""/.well-known/security.txt (RFC 9116): how to report a vulnerability, from settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.views.decorators.http import require_GET

# When SECURITY_TXT_EXPIRES is not set: a year from when the process started.
_STARTED = datetime.now(UTC)


def expires() -> datetime:
    configured = settings.SECURITY_TXT_EXPIRES
    if not configured:
        return (_STARTED + timedelta(days=365)).replace(microsecond=0)
    try:
        day = date.fromisoformat(configured)
    except ValueError:
        raise ImproperlyConfigured(f"SECURITY_TXT_EXPIRES must be a date (YYYY-MM-DD), not {configured!r}.") from None
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def body() -> str:
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires().isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: en",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
    ]
    if settings.SECURITY_POLICY_URL:
        lines.append(f"Policy: {settings.SECURITY_POLICY_URL}")
    return "\n".join(lines) + "\n"


@require_GET
def security_txt(request):
    response = HttpResponse(body(), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "max-age=86400"
    return response
