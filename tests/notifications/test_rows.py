"""The home page's latest notifications written by `portal.templatetags.notification_rows` are the HTML the template
loop wrote (kept here), byte for byte: read and unread, a title that must be escaped, summer and winter times."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template import engines

from portal.notifications.models import Notification

NOTIFICATIONS_LOOP = """{% for n in recent_notifications %}
      <li class="{% if not n.read_at %}app-notification--unread{% endif %}">
        <a class="govuk-link" href="{% url 'tenant:notification' partnership.slug n.pk %}">{{ n.title }}</a>
        {% if not n.read_at %}<strong class="govuk-tag govuk-tag--blue">Unread</strong>{% endif %}
        <span class="govuk-body-s govuk-!-display-block">{{ n.created_at|datetime_text }}</span>
      </li>
      {% endfor %}"""
NOTIFICATIONS_TAG = "{% load notification_rows %}{% notification_items recent_notifications partnership.slug %}"


class _Partnership:
    slug = "a-b"


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_latest_notifications_are_the_loops_html():
    moments = [datetime(2026, 6, 30, 23, 30, tzinfo=UTC), datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
               datetime(2026, 1, 5, 0, 5, tzinfo=UTC)]
    titles = ["Offer <accepted> & 'confirmed'", 'A "quoted" title', "Plain"]
    notifications = [Notification(pk=pk, title=titles[pk % 3], created_at=moments[pk % 3],
                                  read_at=moments[0] if pk % 2 else None) for pk in range(1, 7)]
    context = {"recent_notifications": notifications, "partnership": _Partnership()}
    tag = _render(NOTIFICATIONS_TAG, context)
    assert tag == _render(NOTIFICATIONS_LOOP, context)
    assert "&lt;accepted&gt; &amp; &#x27;confirmed&#x27;" in tag and "1 July 2026 at 12:30am" in tag
    assert 'class="app-notification--unread"' in tag and 'class=""' in tag and "Unread</strong>" in tag
    assert _render(NOTIFICATIONS_TAG, {"recent_notifications": [], "partnership": _Partnership()}) == ""
