"""Error reporting: Sentry (or any service that speaks its protocol), started only when SENTRY_DSN is set."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def init_error_reporting(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start the SDK for web and worker alike; False (and nothing started) without a DSN."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,  # no user emails, IP addresses, cookies or request bodies leave the portal
        # Unhandled errors and ERROR log lines become events; INFO and WARNING lines ride along as breadcrumbs.
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
    return True
