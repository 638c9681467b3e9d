"""The operations part of the settings (portal/settings.py calls these with values it read from the environment):
logging, error reporting, Celery time limits and the security headers."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ImproperlyConfigured

LOG_FORMATS = {"plain", "json"}

# Scripts and styles only from the portal's own static files, and the one inline script (the js-enabled class,
# templates/base.html) by a per-request nonce; nothing inline otherwise, so no 'unsafe-inline' anywhere.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "NONCE"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Browser features the portal never uses, switched off for it and for anything it could be framed in.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")


def content_security_policy(nonce) -> dict:
    """django-csp's setting, with its NONCE marker (csp.constants.NONCE, passed in) in place."""
    return {"DIRECTIVES": {name: [nonce if source == "NONCE" else source for source in sources]
                           for name, sources in CSP_DIRECTIVES.items()}}


def logging_config(log_format: str, level: str) -> dict:
    """Every line has the request id (and the task, in a worker). Django's own loggers write here once (not also
    through Django's default console handler, which printed every failure twice while DEBUG was on); an expected
    refusal (403, 404) is one line with no traceback."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "expected_refusals": {"()": "portal.log_filters.ExpectedRefusalFilter"},
            "request_id": {"()": "portal.observability.logs.RequestIdFilter"},
        },
        "formatters": {
            "plain": {"()": "portal.observability.logs.PlainFormatter"},
            "json": {"()": "portal.observability.logs.JsonFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format,
                                 "filters": ["expected_refusals", "request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.db.backends": {"level": "WARNING"},
        },
    }


def sample_rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {value!r}.")
    return rate


def time_limits(soft: int, hard: int) -> tuple[int, int]:
    if not 0 < soft < hard:
        raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be positive and below CELERY_TASK_TIME_LIMIT.")
    return soft, hard


def expiry_date(value: str) -> str:
    """SECURITY_TXT_EXPIRES, checked at start-up: empty, or a date written YYYY-MM-DD."""
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ImproperlyConfigured(f"SECURITY_TXT_EXPIRES must be a date (YYYY-MM-DD), not {value!r}.") from None
    return value
