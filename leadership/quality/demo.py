"""Quality assurance in the Cambridgeshire demo: the default competency framework, a QA group under an NLE with the
demo system leader in it, a QA activity with ratings and an action, and one leader whose designation review is
overdue (so matching flags them and the broker's home page lists them). Built through the services; safe to run
twice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope

from alliances.models import LeaderStatus, SystemLeader
from deployments.models import Review, ReviewKind, ReviewStatus
from leadership.models import Competency, QAGroup, RatingLevel
from leadership.quality import services as quality
from leadership.quality.services import ActionInput, add_years

GROUP = "Cambridge city QA group"
BENEFITS = [
    "Two of our middle leaders shadowed the work and now lead our own maths moderation.",
    "The leader brought back a feedback policy that cut marking time across our school.",
    "Our staff joined the supported school's network meetings: a link we had not had before.",
]


def build_quality_demo(*, partnerships, broker, system_leader_user=None, **_) -> None:
    partnership = partnerships["cambridgeshire"]
    today = timezone.localdate()
    with scope(partnership=partnership):
        quality.use_default_framework(actor=broker)
        if QAGroup.objects.filter(partnership=partnership, name=GROUP).exists():
            return
        active = SystemLeader.objects.filter(partnership=partnership, status=LeaderStatus.ACTIVE).order_by("pk")
        lead = active.filter(designation__in=["NLE", "LLE"]).order_by("-designation", "pk").first()
        demo_leader = active.filter(user=system_leader_user).first() if system_leader_user else None
        others = list(active.filter(designation="SLE").exclude(pk=getattr(demo_leader, "pk", None))[:2])
        if lead is None:
            return
        members = [leader for leader in [demo_leader, *others] if leader is not None]
        quality.save_qa_group(actor=broker, group=None, name=GROUP, lead=lead, members=members)
        competencies = list(Competency.objects.filter(partnership=partnership, is_active=True))
        levels = {level.value: level for level in RatingLevel.objects.filter(partnership=partnership)}
        for leader in members[:2]:
            quality.record_qa_activity(
                actor=broker, leader=leader, kind="conversation", held_on=today - timedelta(days=10),
                ratings={competencies[0].pk: levels[3].pk, competencies[1].pk: levels[4].pk,
                         competencies[4].pk: levels[2].pk},
                notes="A termly QA conversation with the group's lead: strong support and challenge; the evidence "
                      "of impact needs tightening.",
                private_notes="Demo: a note for the lead and the steering group only.",
                actions=[ActionInput("Agree measurable success criteria with the headteacher",
                                     today + timedelta(days=21))])
        # Seed 004's benefits for the leaders' own schools, on a few agreed final evaluations of the demo history.
        finals = Review.objects.filter(partnership=partnership, kind=ReviewKind.FINAL, status=ReviewStatus.AGREED,
                                       own_school_benefit="").order_by("pk")[:len(BENEFITS)]
        for review, text in zip(finals, BENEFITS, strict=False):
            Review.objects.filter(pk=review.pk).update(own_school_benefit=text)
        if others:
            # One leader's designation review is overdue: matching flags them and the broker's home page lists them.
            overdue = others[-1]
            review_due = today - timedelta(days=14)
            SystemLeader.objects.filter(pk=overdue.pk).update(
                review_due=review_due, designated_on=min(overdue.designated_on, add_years(review_due, -4)))
