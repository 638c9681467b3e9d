from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def demo_mfa_exemption_only_in_debug(app_configs, **kwargs):
    """The demo MFA exemption is for the embedded default; with DEBUG off it would weaken real accounts."""
    if getattr(settings, "MFA_EXEMPT_DEMO_USERS", False) and not settings.DEBUG:
        return [
            Error(
                "MFA_EXEMPT_DEMO_USERS is on while DEBUG is off.",
                hint="Turn MFA_EXEMPT_DEMO_USERS off: it is only for the embedded default that `make run` starts.",
                id="portal.E001",
            )
        ]
    return []


@register(Tags.security)
def eager_celery_only_in_debug(app_configs, **kwargs):
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) and not settings.DEBUG:
        return [
            Error(
                "Celery tasks run inline (CELERY_TASK_ALWAYS_EAGER) while DEBUG is off.",
                hint="Set CELERY_BROKER_URL or REDIS_URL so a worker delivers notifications.",
                id="portal.E002",
            )
        ]
    return []
