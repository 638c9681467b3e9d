"""The home page's latest notifications written in Python: each item was a template loop's link (`{% url %}`), title,
"Unread" tag and time. The HTML is the loop's (`tests/notifications/test_rows.py` renders both, with text that must
be escaped)."""

from __future__ import annotations

import html

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from portal.formats import datetime_text

register = template.Library()

_PK = 987654321  # stands for the notification's pk in a URL reversed once
ITEM = ('\n      <li class="{unread_class}">\n        <a class="govuk-link" href="{url}">{title}</a>\n        {unread_tag}'
        '\n        <span class="govuk-body-s govuk-!-display-block">{when}</span>\n      </li>\n      ')


@register.simple_tag
def notification_items(notifications, slug: str) -> SafeString:
    """Each notification linked by its title, marked when unread, with when it came."""
    before, after = (html.escape(part) for part in reverse("tenant:notification", args=[slug, _PK]).split(str(_PK)))
    return mark_safe("".join(ITEM.format(  # noqa: S308 - every value is escaped
        unread_class="" if n.read_at else "app-notification--unread", url=f"{before}{n.pk}{after}",
        title=html.escape(str(n.title)),
        unread_tag="" if n.read_at else '<strong class="govuk-tag govuk-tag--blue">Unread</strong>',
        when=html.escape(datetime_text(n.created_at))) for n in notifications))
