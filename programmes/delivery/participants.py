"""The participants and attendance page's reads: the cohort's sessions and its participants with their attendance.

On PostgreSQL one written statement reads both, each list a JSON array in its own column: Django built the
participants' queryset (`selectors.participants`: four subqueries and two computed columns) on every request,
which cost more than running it, and the sessions were a query of their own. It reads the same rows from the same
tables under the same filters, in the same order, attendance counted as `selectors.with_attendance` counts it.
Elsewhere (SQLite) the querysets run; `tests/programmes/delivery/test_participants.py` compares the two.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import NamedTuple

from django.db import connection

from alliances.models import School
from portal.written_sql import table as _table
from programmes.delivery import selectors
from programmes.models import AttendanceMark, Cohort, Evaluation, Place, PlaceStatus, Session


class Participant(NamedTuple):
    """What the page shows of a place: `selectors.participants`' row, its school's name for the school."""
    pk: int
    name: str
    school_name: str
    attended: int
    sessions: int
    attendance_percent: int
    absent: int
    evaluated: bool
    completed_at: datetime | None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _statement() -> str:
    attended = ", ".join(_literal(value) for value in selectors.ATTENDED)
    return f"""
        SELECT
            (SELECT json_agg(json_build_array(s.id, s.title, s.date, s.register_taken_at)
                             ORDER BY s.date, s.starts_at, s.id)
             FROM {_table(Session)} s WHERE s.partnership_id = %s AND s.cohort_id = %s)::text,
            (SELECT json_agg(json_build_array(p.id, p.name, sc.name, COALESCE(m.attended, 0), COALESCE(m.absent, 0),
                                              EXISTS(SELECT 1 FROM {_table(Evaluation)} e WHERE e.place_id = p.id),
                                              p.completed_at) ORDER BY p.name, p.id)
             FROM {_table(Place)} p JOIN {_table(School)} sc ON sc.urn = p.school_id
                  LEFT JOIN LATERAL (
                      SELECT COUNT(*) FILTER (WHERE a.attendance IN ({attended})) AS attended,
                             COUNT(*) FILTER (WHERE a.attendance = {_literal("absent")}) AS absent
                      FROM {_table(AttendanceMark)} a
                      WHERE a.partnership_id = p.partnership_id AND a.place_id = p.id) m ON true
             WHERE p.partnership_id = %s AND p.cohort_id = %s
                   AND p.status = {_literal(PlaceStatus.ACCEPTED.value)})::text"""


STATEMENT = _statement()


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _percent(attended: int, sessions: int) -> int:
    return attended * 100 // (sessions or 1)  # as `with_attendance` divides: whole numbers, never by nought


def cohort_delivery(cohort: Cohort) -> tuple[list[Session], list[Participant]]:
    """The cohort's sessions (by date, start and id: their id, title, date and when the register was taken) and
    its accepted participants (by name and id), in one statement on PostgreSQL, two queries elsewhere."""
    if connection.vendor != "postgresql":
        return (list(Session.objects.filter(cohort=cohort).order_by("date", "starts_at", "pk")),
                [Participant(p.pk, p.name, p.school.name, p.attended, p.sessions, p.attendance_percent, p.absent,
                             p.evaluated, p.completed_at) for p in selectors.participants(cohort)])
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT, [cohort.partnership_id, cohort.pk, cohort.partnership_id, cohort.pk])
        sessions_json, places_json = cursor.fetchone()
    fields = ["id", "title", "date", "register_taken_at"]
    sessions = [Session.from_db(connection.alias, fields, [pk, title, date.fromisoformat(day), _moment(taken)])
                for pk, title, day, taken in json.loads(sessions_json or "[]")]
    held = len(sessions)
    participants = [Participant(pk, name, school, attended, held, _percent(attended, held), absent, evaluated,
                                _moment(completed))
                    for pk, name, school, attended, absent, evaluated, completed in json.loads(places_json or "[]")]
    return sessions, participants
