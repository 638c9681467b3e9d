"""Designation review reminders: 60 days before a leader's review is due, and once it is overdue, to the steering
group (brokers and approvers) and to the leader. Run daily by beat ("leadership.designation_reminders").

Each reminder is an outbox row whose key names the leader, the review date and the stage
(`designation_review:<leader>:<YYYYMMDD>:<stage>`), so it goes once even if the run is repeated or two beat processes
run it at once; a new review date (after redesignation or an extension) starts again. A run that missed days sends
only the latest stage reached. A fixed number of queries per batch of leaders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from alliances.models import SystemLeader
from deployments.workflow import tenant_url
from leadership.quality.selectors import IN_FORCE
from portal.accounts.models import User
from portal.calendar.schooldays import today_in_london
from portal.formats import date_text
from portal.notifications.services import Pending, notify_bulk
from portal.tenancy.models import Partnership
from portal.tenancy.roles import STEERING_GROUP_ROLES
from portal.tenancy.selectors import active_members, each_active_partnership

BEFORE = timedelta(days=60)
BATCH = 1000


@dataclass
class Summary:
    partnerships: int = 0
    reminders: int = 0


def stage_for(review_due: date, today: date) -> str | None:
    """"overdue" once the date has passed, "soon" within 60 days of it, otherwise None."""
    if review_due < today:
        return "overdue"
    if review_due <= today + BEFORE:
        return "soon"
    return None


def run_designation_reminders(*, today: date | None = None, batch: int = BATCH) -> Summary:
    today = today or today_in_london()
    summary = Summary()
    for partnership in each_active_partnership("designation review reminders: every active partnership"):
        summary.reminders += _run_partnership(partnership, today, batch)
        summary.partnerships += 1
    return summary


def _run_partnership(partnership: Partnership, today: date, size: int) -> int:
    steering = active_members(partnership, *STEERING_GROUP_ROLES)
    leaders = (SystemLeader.objects.filter(partnership=partnership, status__in=IN_FORCE,
                                           review_due__lte=today + BEFORE)
               .values_list("pk", "name", "review_due", "user_id").order_by("pk"))
    sent, last = 0, 0
    while True:
        rows = list(leaders.filter(pk__gt=last)[:size])
        if not rows:
            return sent
        last = rows[-1][0]
        own = {u.pk: u for u in User.objects.filter(pk__in=[user_id for *_, user_id in rows if user_id])}
        items: list[Pending] = []
        for pk, name, review_due, user_id in rows:
            stage = stage_for(review_due, today)
            occurrence = f"designation_review:{pk}:{review_due:%Y%m%d}:{stage}"
            when = (f"was due on {date_text(review_due)} and is overdue" if stage == "overdue"
                    else f"is due on {date_text(review_due)}")
            staff_link = tenant_url(partnership, "leadership:qa_designation_review", pk=pk)
            for user in steering:
                items.append(Pending("leadership.designation_review_due", user, occurrence, {
                    "subject": f"{name}'s designation review {when}",
                    "lines": [f"{name}'s designation review {when}. Look at the evidence and record the outcome: "
                              "redesignate, extend or de-designate."],
                    "action": "Open the designation review"}, staff_link))
            if user_id in own:
                items.append(Pending("leadership.designation_review_due", own[user_id], occurrence, {
                    "subject": f"Your designation review {when}",
                    "lines": [f"Your designation as a system leader {when}. The steering group will review it "
                              "with the evidence of your deployments and quality assurance."],
                    "action": "See your quality assurance"}, tenant_url(partnership, "leadership:qa_mine")))
        with transaction.atomic():
            sent += notify_bulk(partnership=partnership, items=items)
