"""The daily reminder run: what is due today, from each partnership's calendar, sent once.

Reviews are reminded 14 and 7 days before they are due and on the due date, and 3 school days after
it, when the broker is told too. A reminder whose day falls in a school holiday (or on a weekend or
bank holiday) waits for the next school day; the run does nothing on a day that is not a school day.
If the run missed days, it sends only the latest reminder each review has reached, not a backlog. When a
holiday pushes a reminder onto the same school day as the next one (a two-week reminder that falls in the
Christmas holiday lands on the day the one-week reminder goes), neither is dropped: one message goes that
names both, under the later stage's key, and says when the review is due counted from the day it is sent
(never "in a week" the day before).

Offers two days from expiring and proposals waiting three days for approval are reminded once each. (Designations
due for review are leadership's: leadership.quality.reminders tells the steering group and the leader 60 days before
and once overdue; this run used to tell brokers 30 days before as well, so they heard twice.)

Each reminder is an outbox row whose unique key names what, for whom and which occurrence, so it goes
once even if the run is repeated, a worker dies half way (the next run sends what is left) or two beat
processes run it at once. Work is done in batches with a fixed number of queries each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from deployments.models import Deployment, DeploymentStatus, Offer, OfferStatus, Review, ReviewKind, ReviewStatus
from deployments.reviews.schedule import ensure_reviews
from deployments.workflow import tenant_url
from portal.accounts.models import User
from portal.calendar.schooldays import SchoolCalendar, today_in_london
from portal.calendar.services import school_calendar
from portal.days import days_phrase
from portal.formats import date_text, datetime_text
from portal.notifications.services import Pending, notify_bulk
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import Role
from portal.tenancy.selectors import each_active_partnership

BATCH = 1000
STAGES = ("in_14", "in_7", "due", "overdue")
WINDOW = timedelta(days=90)  # holidays can postpone a reminder by weeks; nothing older or newer is looked at


STAGE_NAMES = {"in_14": "two-week", "in_7": "one-week", "due": "due-day"}
NOMINAL = {"in_14": -14, "in_7": -7, "due": 0}  # calendar days from the due date, before holidays move them


def stage_dates(due_on: date, days: SchoolCalendar) -> list[tuple[str, date]]:
    """When each reminder of a review due on `due_on` goes out."""
    return [("in_14", days.next_school_day(due_on - timedelta(days=14))),
            ("in_7", days.next_school_day(due_on - timedelta(days=7))),
            ("due", days.next_school_day(due_on)),
            ("overdue", days.add(due_on, 3))]


def stages_to_send(due_on: date, today: date, days: SchoolCalendar) -> list[str]:
    """The reminders of a review due on `due_on` that go `today`, earliest first: the latest stage reached, and
    any earlier stage a holiday moved onto the same school day (they go together). Stages whose day passed
    while the run was not running are not sent late. Empty on a day that is not a school day."""
    if not days.is_school_day(today):
        return []
    reached = [(stage, send_on) for stage, send_on in stage_dates(due_on, days) if send_on <= today]
    if not reached:
        return []
    latest = reached[-1][1]
    return [stage for stage, send_on in reached if send_on == latest]


def stage_to_send(due_on: date, today: date, days: SchoolCalendar) -> str | None:
    """The latest reminder a review due on `due_on` has reached by `today`; None on a day that is not a school day."""
    stages = stages_to_send(due_on, today, days)
    return stages[-1] if stages else None


def when_due(due_on: date, today: date) -> str:
    """How far off `due_on` is, counted from the day the reminder is sent: "today", "tomorrow", "in a week",
    "in 6 days". A reminder a holiday moved says how long is really left, not how long it was meant to."""
    left = (due_on - today).days
    if left == 0:
        return "today"
    if left == 1:
        return "tomorrow"
    if left == 7:
        return "in a week"
    if left == 14:
        return "in two weeks"
    return f"in {days_phrase(left)}"


def reminder_message(*, what: str, school: str, reference: str, due_on: date, today: date,
                     stages: list[str]) -> dict:
    """The context of one review reminder (not the overdue one) for the stages going together `today`."""
    lines = []
    if due_on < today:
        # Due on a day that was not a school day: the due-day reminder goes on the next one.
        subject = f"The {what} of {reference} ({school}) was due on {date_text(due_on)}"
        lines.append(f"The {what} of your support for {school} was due on {date_text(due_on)}.")
    else:
        subject = f"The {what} of {reference} ({school}) is due {when_due(due_on, today)}"
        lines.append(f"The {what} of your support for {school} is due on {date_text(due_on)}.")
    moved = [stage for stage in stages[:-1] if stage in NOMINAL]
    if moved:
        meant = [f"the {STAGE_NAMES[stage]} reminder ({date_text(due_on + timedelta(days=NOMINAL[stage]))})"
                 for stage in moved]
        fell = ("which fell on a day that is not a school day and so comes today" if len(meant) == 1 else
                "which fell on days that are not school days and so come today")
        lines.append(f"This message also stands for {' and '.join(meant)}, {fell}.")
    lines.append("Write it, then send it to the headteacher to agree.")
    return {"subject": subject, "lines": lines, "action": "Write the review"}


@dataclass
class Summary:
    reviews_created: int = 0
    reminders: int = 0
    partnerships: int = 0
    skipped_not_school_day: list[str] = field(default_factory=list)


def run_reminders(*, today: date | None = None, batch: int = BATCH) -> Summary:
    today = today or today_in_london()
    summary = Summary()
    for partnership in each_active_partnership("review reminders: every active partnership"):
        _run_partnership(partnership, today, batch, summary)
        summary.partnerships += 1
    return summary


def _batches(queryset, size: int):
    """Primary-key keyset pages: each batch is one query however large the table."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk if hasattr(rows[-1], "pk") else rows[-1][0]


def _run_partnership(partnership: Partnership, today: date, size: int, summary: Summary) -> None:
    days = school_calendar(partnership=partnership)
    active = Deployment.objects.filter(partnership=partnership, status__in=[DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED])
    for rows in _batches(active.only("pk", "partnership_id", "start_date", "end_date"), size):
        with transaction.atomic():
            summary.reviews_created += ensure_reviews(rows, partnership=partnership, days=days)
    if not days.is_school_day(today):
        summary.skipped_not_school_day.append(partnership.slug)
        return
    brokers = [m.user for m in Membership.objects.filter(partnership=partnership, role=Role.BROKER, is_active=True)
               .select_related("user").order_by("user_id")]
    broker_ids = {user.pk for user in brokers}
    reviews = (Review.objects.filter(partnership=partnership, status=ReviewStatus.DUE, due_on__gte=today - WINDOW,
                                     due_on__lte=today + WINDOW,
                                     deployment__status__in=[DeploymentStatus.ACTIVE, DeploymentStatus.COMPLETED,
                                                             DeploymentStatus.STOPPED])
               .values_list("pk", "due_on", "kind", "term_key", "deployment_id", "deployment__leader__user_id",
                            "deployment__school__name", "deployment__request__assigned_broker_id"))
    for rows in _batches(reviews, size):
        items: list[tuple[str, int, str, dict, str]] = []
        for pk, due_on, kind, _term, deployment_id, leader_user, school, assigned in rows:
            stages = stages_to_send(due_on, today, days)
            if not stages or leader_user is None:
                continue
            # One message for the stages going together, under the latest one's key: the key the run has
            # always written for that day, so a review is reminded once per stage day, whatever merged.
            stage = stages[-1]
            what = "final evaluation" if kind == ReviewKind.FINAL else "termly review"
            when = date_text(due_on)
            reference = Deployment.reference_for(deployment_id)
            link = tenant_url(partnership, "review", pk=pk)
            if stage == "overdue":
                context = {"subject": f"Overdue: the {what} of {reference} ({school})",
                           "lines": [f"The {what} of the support for {school} was due on {when} and has not been "
                                     "sent to the headteacher yet."], "action": "Write the review"}
                items.append(("review.overdue", leader_user, f"review:{pk}:overdue", context, link))
                for broker in ([assigned] if assigned in broker_ids else sorted(broker_ids)):
                    items.append(("review.overdue", broker, f"review:{pk}:overdue", context, link))
            else:
                context = reminder_message(what=what, school=school, reference=reference, due_on=due_on, today=today,
                                           stages=stages)
                items.append(("review.reminder", leader_user, f"review:{pk}:{stage}", context, link))
        summary.reminders += _send(partnership, items)
    _other_reminders(partnership, today, size, summary)


def _send(partnership, items) -> int:
    if not items:
        return 0
    users = {u.pk: u for u in User.objects.filter(pk__in={user_id for _, user_id, *_ in items})}
    pending = [Pending(event, users[user_id], occurrence, context, link)
               for event, user_id, occurrence, context, link in items if user_id in users]
    with transaction.atomic():
        return notify_bulk(partnership=partnership, items=pending)


def _other_reminders(partnership: Partnership, today: date, size: int, summary: Summary) -> None:
    now = timezone.now()
    items = []
    offers = (Offer.objects.filter(partnership=partnership, status=OfferStatus.OPEN, expires_at__gt=now,
                                   expires_at__lte=now + timedelta(days=2), leader__user__isnull=False)
              .values_list("pk", "expires_at", "leader__user_id", "request__school__name"))
    for rows in _batches(offers, size):
        for pk, expires_at, user_id, school in rows:
            items.append(("offer.reminder", user_id, f"offer:{pk}:reminder", {
                "subject": f"The offer to support {school} expires soon",
                "lines": [f"Please accept or decline the offer to support {school} by "
                          f"{datetime_text(expires_at)}."], "action": "Answer the offer"},
                tenant_url(partnership, "offer", pk=pk)))
        summary.reminders += _send(partnership, items)
        items = []
    approvers = list(Membership.objects.filter(partnership=partnership, role=Role.APPROVER, is_active=True)
                     .values_list("user_id", flat=True))
    proposals = (Deployment.objects.filter(partnership=partnership, status=DeploymentStatus.PROPOSED,
                                           proposed_at__lte=now - timedelta(days=3))
                 .values_list("pk", "proposed_by_id", "school__name"))
    for rows in _batches(proposals, size):
        for pk, proposer, school in rows:
            for approver in approvers:
                if partnership.four_eyes_approval and approver == proposer:
                    continue
                items.append(("deployment.approval_reminder", approver, f"deployment:{pk}:approval_reminder", {
                    "subject": f"{Deployment.reference_for(pk)} for {school} is still waiting for approval",
                    "lines": [f"The proposed deployment for {school} has waited three days for a decision."],
                    "action": "Decide on the deployment"}, tenant_url(partnership, "deployment", pk=pk)))
        summary.reminders += _send(partnership, items)
        items = []
