"""Quality assurance rows for tests: a framework, a QA group, an activity with a rating and an action."""

from __future__ import annotations

from datetime import date

from leadership.models import (
    Competency,
    QAAction,
    QAActivity,
    QAGroup,
    QAGroupMember,
    QARating,
    RatingLevel,
)
from leadership.quality.services import DEFAULT_COMPETENCIES, DEFAULT_SCALE
from tests.factories import SystemLeaderFactory


def framework_rows(partnership) -> tuple[list[Competency], list[RatingLevel]]:
    """The default framework, written directly (call inside scopes_disabled or a scope)."""
    competencies = [Competency.objects.create(partnership=partnership, title=title, description=text, order=n)
                    for n, (title, text) in enumerate(DEFAULT_COMPETENCIES, start=1)]
    levels = [RatingLevel.objects.create(partnership=partnership, value=v, label=label, meaning=meaning)
              for v, label, meaning in DEFAULT_SCALE]
    return competencies, levels


def quality_objects(partnership, *, lead, school, recorded_by) -> dict:
    """A QA group led by `lead` with one member, and an activity about that member with a rating and an action.
    The private note names the partnership's slug, so a page that leaks it says whose it is."""
    slug = partnership.slug
    competencies, levels = framework_rows(partnership)
    member = SystemLeaderFactory(partnership=partnership, name=f"QA member of {slug}", home_school=school,
                                 email=f"qa@{slug}.example.org")
    group = QAGroup.objects.create(partnership=partnership, name=f"QA group of {slug}", lead=lead)
    QAGroupMember.objects.create(partnership=partnership, group=group, leader=member)
    activity = QAActivity.objects.create(partnership=partnership, leader=member, group=group, kind="conversation",
                                         held_on=date(2026, 10, 1), notes=f"Shared note of {slug}",
                                         private_notes=f"Private QA note of {slug}", recorded_by=recorded_by)
    QARating.objects.create(partnership=partnership, activity=activity, competency=competencies[0], level=levels[2])
    action = QAAction.objects.create(partnership=partnership, activity=activity, leader=member,
                                     description=f"Action of {slug}", due_on=date(2026, 11, 1))
    return {"qa_leader": member, "qa_group": group, "qa_activity": activity, "qa_action": action,
            "competency": competencies[0], "rating_level": levels[0]}
