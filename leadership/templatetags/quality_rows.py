"""The broker's home list of leaders needing attention written in Python: each item was a template loop's link
(`{% url %}`), the leader's name and the flags joined. The HTML is the loop's (`tests/leadership/quality/test_rows.py`
renders both, with text that must be escaped)."""

from __future__ import annotations

import html

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_PK = 987654321  # stands for the leader's pk in a URL reversed once


@register.simple_tag
def attention_items(rows, slug: str) -> SafeString:
    """Each leader linked to their QA summary, then their flags ("; " between)."""
    before, after = (html.escape(part) for part in reverse("leadership:qa_summary", args=[slug, _PK]).split(str(_PK)))
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{before}{row.leader.pk}{after}">{html.escape(row.leader.name)}</a>: '
        f'{"; ".join(html.escape(flag) for flag in row.flags)}</li>' for row in rows))
