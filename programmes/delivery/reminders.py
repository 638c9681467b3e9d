"""Delivery reminders, through the outbox, each exactly once (its unique key names what, for whom and when):

* **Session soon**: a session seven days before (in the week before it) and the day before, to its cohort's
  participants and facilitators;
* **Register not taken**: from the next school day after a session (the partnership's term calendar) while its
  register is not taken, to the cohort's facilitators and the brokers;
* **Evaluation outstanding**: a week after the cohort's last session, to each participant who has not returned it;
* **Impact on the school due**: a term after the cohort ends (SchoolImpact.due_on), to the participant's
  headteachers, while unanswered. The run first makes the rows for cohorts that have ended.

Each step is a fixed number of queries per partnership; a step looks back a bounded time so old data is not
re-read every day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Exists, Max, OuterRef, Subquery

from portal.calendar.schooldays import today_in_london
from portal.calendar.services import school_calendar
from portal.formats import date_text
from portal.tenancy.models import Partnership
from portal.tenancy.selectors import each_active_partnership
from programmes.delivery.evaluations import schedule_school_impact
from programmes.delivery.selectors import running_with_participants
from programmes.models import Cohort, Evaluation, Facilitator, Place, PlaceStatus, SchoolImpact, Session
from programmes.reminders import Summary, _brokers, _heads, _link, _send

LOOK_BACK = timedelta(days=120)
EVALUATION_AFTER = timedelta(days=7)


def run_delivery_reminders(*, today: date | None = None) -> Summary:
    """The daily run over every active partnership. Safe to repeat: each reminder has a unique key."""
    today = today or today_in_london()
    summary = Summary()
    for partnership in each_active_partnership("the daily programme delivery reminders visit every partnership",
                                               quiet=True):
        for step in (_sessions_soon, _registers_overdue, _evaluations_due, _school_impact_due):
            summary.reminders += _send(partnership, step(partnership, today))
        summary.partnerships += 1
    return summary


def _participants(partnership: Partnership, cohort_ids) -> dict[int, list[int]]:
    users: dict[int, list[int]] = defaultdict(list)
    for cohort_id, user_id in Place.objects.filter(partnership=partnership, cohort_id__in=list(cohort_ids),
                                                   status=PlaceStatus.ACCEPTED, user__isnull=False) \
            .order_by("user_id").values_list("cohort_id", "user_id"):
        users[cohort_id].append(user_id)
    return users


def _facilitators(partnership: Partnership, cohort_ids) -> dict[int, list[int]]:
    users: dict[int, list[int]] = defaultdict(list)
    for cohort_id, user_id in Facilitator.objects.filter(partnership=partnership, cohort_id__in=list(cohort_ids),
                                                         leader__user__isnull=False) \
            .order_by("leader__user_id").values_list("cohort_id", "leader__user_id"):
        users[cohort_id].append(user_id)
    return users


def _sessions_soon(partnership: Partnership, today: date) -> list:
    sessions = list(Session.objects.filter(partnership=partnership, date__gt=today,
                                           date__lte=today + timedelta(days=7), cohort__status="open")
                    .select_related("cohort").order_by("date", "pk")[:2000])
    if not sessions:
        return []
    cohort_ids = {s.cohort_id for s in sessions}
    participants, facilitators = _participants(partnership, cohort_ids), _facilitators(partnership, cohort_ids)
    items = []
    for session in sessions:
        stage = "day" if (session.date - today).days <= 1 else "week"
        when = "tomorrow" if stage == "day" else f"on {date_text(session.date)}"
        where = session.venue or ("online" if session.online_link else "")
        context = {"subject": f"{session.cohort.name}: {session.title} is {when}",
                   "lines": [f"{session.title} ({session.cohort.name}) is on {date_text(session.date)} at "
                             f"{session.starts_at:%H:%M}{f', {where}' if where else ''}."],
                   "action": "Open the portal"}
        for user_id in [*participants.get(session.cohort_id, []), *facilitators.get(session.cohort_id, [])]:
            items.append(("programmes.session_soon", user_id, f"session:{session.pk}:{stage}:{session.date:%Y%m%d}",
                          context, _link(partnership, "tenant:home")))
    return items


def _registers_overdue(partnership: Partnership, today: date) -> list:
    sessions = list(Session.objects.filter(partnership=partnership, register_taken_at__isnull=True, date__lt=today,
                                           date__gte=today - LOOK_BACK, cohort__in=running_with_participants())
                    .select_related("cohort").order_by("date", "pk")[:2000])
    if not sessions:
        return []
    calendar = school_calendar(partnership=partnership)
    sessions = [s for s in sessions if calendar.next_school_day(s.date + timedelta(days=1)) <= today]
    facilitators, brokers = _facilitators(partnership, {s.cohort_id for s in sessions}), _brokers(partnership)
    items = []
    for session in sessions:
        context = {"subject": f"The register for {session.title} ({session.cohort.name}) has not been taken",
                   "lines": [f"{session.title} was on {date_text(session.date)} and nobody has taken its register.",
                             "Take it now so attendance and completion are right."],
                   "action": "Take the register"}
        for user_id in sorted({*facilitators.get(session.cohort_id, []), *brokers}):
            items.append(("programmes.register_overdue", user_id, f"session:{session.pk}:register_overdue", context,
                          _link(partnership, "programmes:register", pk=session.pk)))
    return items


def _ended_cohorts(partnership: Partnership, until: date):
    last = Session.objects.filter(cohort_id=OuterRef("pk")).order_by().values("cohort_id") \
        .annotate(last=Max("date")).values("last")
    return Cohort.objects.filter(partnership=partnership).exclude(status="cancelled").annotate(
        last_session=Subquery(last)).filter(last_session__lte=until, last_session__gte=until - LOOK_BACK)


def _evaluations_due(partnership: Partnership, today: date) -> list:
    cohorts = {c.pk: c for c in _ended_cohorts(partnership, today - EVALUATION_AFTER)}
    if not cohorts:
        return []
    places = list(Place.objects.filter(partnership=partnership, cohort_id__in=list(cohorts),
                                       status=PlaceStatus.ACCEPTED, user__isnull=False)
                  .exclude(Exists(Evaluation.objects.filter(place_id=OuterRef("pk")))).order_by("pk")[:5000])
    items = []
    for place in places:
        cohort = cohorts[place.cohort_id]
        context = {"subject": f"Your evaluation of {cohort.name} is waiting",
                   "lines": [f"{cohort.name} ended on {date_text(cohort.last_session)}. Say what changed in your "
                             "practice and score its impact: it takes a few minutes."],
                   "action": "Return your evaluation"}
        items.append(("programmes.evaluation_due", place.user_id, f"place:{place.pk}:evaluation_due", context,
                      _link(partnership, "programmes:evaluation", pk=place.pk)))
    return items


def _school_impact_due(partnership: Partnership, today: date) -> list:
    for cohort in _ended_cohorts(partnership, today - timedelta(days=1)).exclude(
            Exists(SchoolImpact.objects.filter(place__cohort_id=OuterRef("pk")))).order_by("pk")[:200]:
        schedule_school_impact(cohort)
    due = list(SchoolImpact.objects.filter(partnership=partnership, due_on__lte=today, due_on__gte=today - LOOK_BACK,
                                           answered_at__isnull=True)
               .select_related("place", "place__cohort", "place__school").order_by("pk")[:5000])
    heads = _heads(partnership, {row.place.school_id for row in due})
    items = []
    for row in due:
        place = row.place
        context = {"subject": f"What did {place.cohort.name} do for {place.school.name}?",
                   "lines": [f"{place.name} took part in {place.cohort.name}. A term on, say what it has done for "
                             f"{place.school.name} and score its impact."],
                   "action": "Say what it did for the school"}
        items += [("programmes.school_impact_due", head, f"school_impact:{row.pk}:due", context,
                   _link(partnership, "programmes:school_impact", pk=row.pk)) for head in heads.get(place.school_id, [])]
    return items
