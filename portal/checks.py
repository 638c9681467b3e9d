from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from portal.notifications.events import EVENTS


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


NOTIFY_BACKEND = "portal.notifications.notify.NotifyEmailBackend"


@register()
def notify_is_complete(app_configs, **kwargs):
    """Email through GOV.UK Notify needs its key and a template for every kind of notification (or a generic one)."""
    if settings.EMAIL_BACKEND != NOTIFY_BACKEND:
        return []
    if not settings.NOTIFY_API_KEY:
        return [Error("EMAIL_BACKEND is GOV.UK Notify but NOTIFY_API_KEY is not set.",
                      hint="Set NOTIFY_API_KEY to the service's live API key.", id="portal.E003")]
    templates = settings.NOTIFY_TEMPLATES
    missing = [] if templates.get("generic") else sorted(key for key in EVENTS if key not in templates)
    if missing:
        return [Error(f"No GOV.UK Notify template for: {', '.join(missing)}.",
                      hint="Add kind=template-id to NOTIFY_TEMPLATE_IDS for each, or a 'generic' template.",
                      id="portal.E004")]
    return []
