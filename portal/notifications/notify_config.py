"""GOV.UK Notify template ids from the environment (imported by settings.py; no Django models here).

NOTIFY_TEMPLATE_IDS is a comma-separated list of `kind=template-id`: a kind is a notification's event key
("invitation.sent"), "<event key>:sms" for its text message, or "generic" (a template of ((subject)) and
((body)), for the account emails django-allauth sends and any kind without a template of its own).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from portal.env import env_str


def templates_from_env() -> dict[str, str]:
    templates: dict[str, str] = {}
    for item in env_str("NOTIFY_TEMPLATE_IDS").split(","):
        if not item.strip():
            continue
        kind, sep, template_id = item.partition("=")
        if not sep or not kind.strip() or not template_id.strip():
            raise ImproperlyConfigured(f"NOTIFY_TEMPLATE_IDS: write each as kind=template-id, not {item.strip()!r}.")
        templates[kind.strip()] = template_id.strip()
    return templates
