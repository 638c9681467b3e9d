"""Demo recruitment in the Cambridgeshire network (seed 002: the steering group "oversee SLE recruitment, designation,
brokerage and deployment"): an SLE round open now with the broker and approver on its panel, the partnership's
induction checklist, applications at different stages (one with the panel, half scored; one waiting for the demo
head's endorsement), a candidate who can sign in, and a "Rising Stars" talent-pool nomination (seed 001) by the demo
head. Built through the services, once: a second run finds the round and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_scopes import scope

from alliances.models import School, Specialism
from leadership.models import RecruitmentRound, RoundInvitation
from leadership.recruitment import applications, induction, panel, rounds, talent
from portal.accounts.models import User
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role

ROUND_TITLE = "Specialist leaders of education: spring recruitment"
CRITERIA = [
    ("Impact on outcomes", "Evidence of raising standards in your own area of expertise, with data"),
    ("Supporting other schools", "Coaching, training or leading colleagues beyond your own classroom or school"),
    ("Capacity and commitment", "Time you can give, and how your school will cover it"),
]
INDUCTION = [
    ("Induction day with the steering group", ""),
    ("Meet your quality assurance lead", "An NLE or LLE who will visit with you in your first deployment"),
    ("Read the deployment agreement and safeguarding guidance", ""),
]


def _person(email_local: str, name: str, partnership, role: str) -> Membership:
    email = f"{email_local}@{settings.DEMO_EMAIL_DOMAIN}"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password="demo-portal-2026", name=name)
    membership, _ = Membership.objects.get_or_create(partnership=partnership, user=user, defaults={"role": role})
    return membership


def build_recruitment(*, partnerships: dict, **_) -> None:
    partnership = partnerships["cambridgeshire"]
    with scope(partnership=partnership):
        if RecruitmentRound.objects.filter(partnership=partnership, title=ROUND_TITLE).exists():
            return
        members = Membership.objects.filter(partnership=partnership, is_active=True).select_related("user")
        by_email = {m.user.email.split("@")[0]: m for m in members}
        broker, approver, head = by_email["broker"], by_email["approver"], by_email["headteacher"]
        _round_with_panel(partnership, broker, approver)
        round_ = RecruitmentRound.objects.get(partnership=partnership, title=ROUND_TITLE)
        school = School.objects.get(pk="110746")  # Bewick Bridge Community Primary School, the demo head's
        specialisms = list(Specialism.objects.filter(partnership=partnership, is_retired=False).order_by("pk")[:2])
        for title, description in INDUCTION:
            induction.add_item(actor=broker, title=title, description=description, service=None)
        today = timezone.localdate()
        with_panel = _applicant(round_, broker, "candidate", "Cara Candidate", school, specialisms, today)
        applications.endorse_application(actor=head, application=with_panel, endorse=True,
                                         statement="Cara leads maths across our school and coaches two new teachers.",
                                         release_consent=True)
        panel.save_scores(actor=broker, application=with_panel,
                          scores={c.pk: (3, "Clear evidence") for c in round_.criteria.all()})
        _applicant(round_, broker, "deputy", "Dani Deputy", school, specialisms[:1], today)
        talent.nominate(actor=head, name="Jo Rising", email=f"jo.rising@{settings.DEMO_EMAIL_DOMAIN}",
                        role_title="Early years lead", school=school, specialisms=specialisms[:1],
                        phases=["phase_early_years", "phase_primary"],
                        why="Transformed our reception class's phonics; ready to support other schools.")


def _round_with_panel(partnership, broker: Membership, approver: Membership) -> None:
    today = timezone.localdate()
    round_ = rounds.save_round(
        actor=broker, designation="SLE", title=ROUND_TITLE,
        description="The steering group is recruiting specialist leaders of education for every phase.",
        opens_on=today - timedelta(days=14), closes_on=today + timedelta(days=14), criteria=CRITERIA,
        specialisms=[], phases=["phase_primary", "phase_secondary"])
    rounds.set_panel(actor=broker, round_=round_, members=[broker, approver])
    rounds.publish_round(actor=broker, round_=round_)


def _applicant(round_, broker, local: str, name: str, school, specialisms, today):
    """An invited candidate who has sent a complete application (the head is asked to endorse it)."""
    candidate = _person(local, name, round_.partnership, Role.CANDIDATE)
    RoundInvitation.objects.create(partnership=round_.partnership, round=round_, email=candidate.user.email, name=name,
                                   school=school, invited_by=broker.user)
    application = applications.start_application(actor=candidate, round_=round_, today=today)
    applications.save_answers(
        actor=candidate, application=application, role_title="Assistant headteacher", school=school,
        specialisms=specialisms, phases=["phase_primary"],
        evidence={c.pk: f"{name.split()[0]}'s evidence: {c.guidance.lower() or c.title.lower()}."
                  for c in round_.criteria.all()})
    applications.submit_application(actor=candidate, application=application, today=today)
    return application
