"""Recruitment's daily reminders, through the outbox, each exactly once (a unique key per round and person):

* **Round closing**: from three days before a published round closes, to candidates whose application is still a
  draft.
* **Panel scoring due**: once a round has closed, to each panel member who has not scored every criterion of every
  endorsed application in it.

Consent withdrawn is told at the time, by `consent.withdraw_consent`. Each step is a fixed number of queries per
partnership.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count

from leadership.models import (
    Application,
    ApplicationStatus,
    Criterion,
    PanelMember,
    RecruitmentRound,
    RoundStatus,
    Score,
)
from leadership.recruitment.common import link
from portal.accounts.models import User
from portal.calendar.schooldays import today_in_london
from portal.formats import date_text
from portal.notifications.services import Pending, notify_bulk
from portal.tenancy.models import Partnership
from portal.tenancy.selectors import each_active_partnership

CLOSING_NOTICE = timedelta(days=3)
# A round closed longer ago than this is not chased any more.
SCORING_CHASED_FOR = timedelta(days=60)


@dataclass
class Summary:
    partnerships: int = 0
    reminders: int = 0


def run_recruitment_reminders(*, today: date | None = None) -> Summary:
    today = today or today_in_london()
    summary = Summary()
    for partnership in each_active_partnership("the daily recruitment reminders visit every partnership", quiet=True):
        items = _closing(partnership, today) + _scoring_due(partnership, today)
        if items:
            users = {u.pk: u for u in User.objects.filter(pk__in={item[1] for item in items}, is_active=True)}
            pending = [Pending(event, users[user_id], occurrence, context, url)
                       for event, user_id, occurrence, context, url in items if user_id in users]
            with transaction.atomic():
                summary.reminders += notify_bulk(partnership=partnership, items=pending)
        summary.partnerships += 1
    return summary


def _closing(partnership: Partnership, today: date) -> list:
    rounds = {r.pk: r for r in RecruitmentRound.objects.filter(
        partnership=partnership, status=RoundStatus.PUBLISHED, closes_on__gte=today,
        closes_on__lte=today + CLOSING_NOTICE)}
    if not rounds:
        return []
    drafts = Application.objects.filter(partnership=partnership, round_id__in=list(rounds),
                                        status=ApplicationStatus.DRAFT).values_list("pk", "round_id", "candidate_id")
    items = []
    for pk, round_id, candidate_id in drafts.order_by("pk"):
        round_ = rounds[round_id]
        items.append(("recruitment.closing", candidate_id, f"round:{round_id}:closing",
                      {"subject": f"{round_.title} closes on {date_text(round_.closes_on)}",
                       "lines": ["Your application is still a draft. Finish it and send it before the round closes, "
                                 "so your headteacher can endorse it."], "action": "Finish your application"},
                      link(partnership, "application_edit", pk=pk)))
    return items


def _scoring_due(partnership: Partnership, today: date) -> list:
    rounds = {r.pk: r for r in RecruitmentRound.objects.filter(
        partnership=partnership, status=RoundStatus.PUBLISHED, closes_on__lt=today,
        closes_on__gte=today - SCORING_CHASED_FOR)}
    if not rounds:
        return []
    waiting = defaultdict(set)  # round -> endorsed applications
    for pk, round_id in Application.objects.filter(partnership=partnership, round_id__in=list(rounds),
                                                   status=ApplicationStatus.ENDORSED).values_list("pk", "round_id"):
        waiting[round_id].add(pk)
    if not waiting:
        return []
    criteria = dict(Criterion.objects.filter(round_id__in=list(waiting)).values("round_id")
                    .annotate(n=Count("pk")).values_list("round_id", "n"))
    scored = {(application_id, scorer_id): n for application_id, scorer_id, n in Score.objects.filter(
        application_id__in=[pk for pks in waiting.values() for pk in pks]).values("application_id", "scorer_id")
        .annotate(n=Count("pk")).values_list("application_id", "scorer_id", "n")}
    items = []
    for round_id, user_id in PanelMember.objects.filter(round_id__in=list(waiting)).values_list("round_id", "user_id"):
        unscored = [pk for pk in sorted(waiting[round_id]) if scored.get((pk, user_id), 0) < criteria.get(round_id, 0)]
        if not unscored:
            continue
        round_ = rounds[round_id]
        count = len(unscored)
        items.append(("recruitment.scoring_due", user_id, f"round:{round_id}:scoring_due",
                      {"subject": f"{count} application{'s' if count != 1 else ''} to {round_.title} wait for your scores",
                       "lines": [f"{round_.title} closed on {date_text(round_.closes_on)}. The panel decides once "
                                 "every member has scored every criterion."], "action": "Score the applications"},
                      link(partnership, "application_score", pk=unscored[0])))
    return items
