"""The participants and attendance page's reads: on PostgreSQL one statement gives the sessions and the
participants the querysets give (`selectors.participants`, the reference), attendance (present, late, absent,
unmarked), evaluations and completion included; `participant_rows` writes the HTML the template loop wrote
(kept here) of the querysets' places, with text that must be escaped, with and without certificates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext

from programmes.delivery import participants, selectors
from programmes.models import Place, Session
from tests.factories.courses import CohortFactory
from tests.factories.delivery import dl_evaluation, dl_marks, dl_place

pytestmark = [pytest.mark.django_db]

LOOP = """{% for p in participants %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ p.name }}</th>
      <td class="govuk-table__cell">{{ p.school.name }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ p.attended }} of {{ p.sessions }} ({{ p.attendance_percent }}%)</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ p.absent }}</td>
      <td class="govuk-table__cell">{% if p.evaluated %}Returned{% else %}Not returned{% endif %}</td>
      <td class="govuk-table__cell">{% if p.completed_at %}{% if sees_certificates %}<a class="govuk-link" href="{% url 'programmes:certificate' slug p.pk %}">Completed {{ p.completed_at|date_text }}<span class="govuk-visually-hidden">: certificate for {{ p.name }}</span></a>{% else %}Completed {{ p.completed_at|date_text }}{% endif %}{% else %}Not yet{% endif %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501 - the template's lines as they were


@pytest.fixture
def marked(delivery, broker, headteacher):
    """Marks of every kind on four of five sessions, one evaluation, one completion (late at night: the date is
    London's), a name to escape and a withdrawn place (not a participant)."""
    odd = dl_place(delivery.cohort, delivery.school, nominated_by=headteacher.user, name="O'Neil <Jo> & \"Sam\"")
    dl_place(delivery.cohort, delivery.school, nominated_by=headteacher.user, name="Wendy Withdrawn",
             status="withdrawn")
    people = [*delivery.places, odd]
    for index, session in enumerate(delivery.sessions[:4]):
        dl_marks(session, people[:2], recorded_by=broker.user, attendance=("present", "late", "absent")[index % 3])
        dl_marks(session, people[3:], recorded_by=broker.user, attendance="absent" if index else "present")
    dl_evaluation(delivery.place)
    moment = delivery.place.created_at.replace(hour=23, minute=30) - timedelta(days=3)
    Place.objects.filter(pk__in=[delivery.place.pk, odd.pk]).update(completed_at=moment)
    return people


def _reference(cohort):
    return (list(Session.objects.filter(cohort=cohort).order_by("date", "starts_at", "pk")),
            selectors.participants(cohort))


def test_the_statement_reads_what_the_querysets_read(delivery, marked):
    assert connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as captured:
        sessions, people = participants.cohort_delivery(delivery.cohort)
    assert len(captured.captured_queries) == 1
    reference_sessions, places = _reference(delivery.cohort)
    assert [(s.pk, s.title, s.date, s.register_taken_at) for s in sessions] == [
        (s.pk, s.title, s.date, s.register_taken_at) for s in reference_sessions]
    assert any(s.register_taken_at for s in sessions) and any(not s.register_taken_at for s in sessions)
    assert people == [participants.Participant(p.pk, p.name, p.school.name, p.attended, p.sessions,
                                               p.attendance_percent, p.absent, p.evaluated, p.completed_at)
                      for p in places]
    assert [(p.name, p.attended, p.absent, p.evaluated, p.completed_at is not None) for p in people] == [
        ("Alex Able", 3, 1, False, False), ("O'Neil <Jo> & \"Sam\"", 1, 3, False, True),
        ("Pat Participant", 3, 1, True, True), ("Robin Reed", 0, 0, False, False)]


def test_no_sessions_and_nobody():
    cohort = CohortFactory()
    assert participants.cohort_delivery(cohort) == ([], [])


@pytest.mark.parametrize("sees_certificates", [True, False])
def test_the_rows_are_the_loops_html(partnership, delivery, marked, sees_certificates):
    _, places = _reference(delivery.cohort)
    _, people = participants.cohort_delivery(delivery.cohort)
    engine = engines["django"]
    context = {"slug": partnership.slug, "sees_certificates": sees_certificates}
    new = engine.from_string("{% load participant_rows %}{% participant_rows participants slug sees_certificates %}") \
        .render({**context, "participants": people})
    assert new == engine.from_string(LOOP).render({**context, "participants": places})
    assert "O&#x27;Neil &lt;Jo&gt; &amp; &quot;Sam&quot;" in new and "4 of 5 (80%)" not in new
    assert ("certificate for" in new) is sees_certificates and new.count("Completed ") == 2
