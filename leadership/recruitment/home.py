"""What recruitment adds to pages of lower apps: each member's home page (applications to act on, a head's leaders
and their consent) and a system leader's directory page (induction progress, consent withdrawals)."""

from __future__ import annotations

from alliances.models import SystemLeader
from leadership.models import Application, ApplicationStatus
from leadership.recruitment import consent, induction, selectors
from portal.tenancy.models import Membership
from portal.ui.sections import always, listed


def home_section(*, membership: Membership, **_) -> dict:
    """A few queries for the roles recruitment involves (a list often empty only if it has rows:
    `portal.ui.sections.listed`); nothing for LA officers and admins."""
    if not membership.can("recruitment.view"):
        return {}
    # Each list reads only what it shows (an application's name, status and round's title; a leader's name,
    # designation, consent and home school's name): rows of every column cost more to build than to fetch.
    context: dict = {"recruitment_home": True, "my_applications": []}
    if membership.can("recruitment.apply"):
        context |= listed("my_applications", lambda: Application.objects.filter(
            partnership=membership.partnership, candidate=membership.user).select_related("round").only(
            "status", "round__title").order_by("-created_at"), 10)
    if membership.can("recruitment.endorse"):
        context |= listed("to_endorse", lambda: selectors.applications_for(membership=membership)
                          .filter(status=ApplicationStatus.SUBMITTED).exclude(candidate=membership.user)
                          .select_related(None).select_related("round").only("name", "round__title"), None)
        context |= always("my_leaders", lambda: SystemLeader.objects.filter(
            partnership=membership.partnership,  # the member's schools from the link table alone: cheaper to plan
            home_school_id__in=Membership.schools.through.objects.filter(membership_id=membership.pk).values("school_id"))
            .select_related("home_school").only("name", "designation", "release_consent_by", "release_consent_on",
                                                "home_school__name").order_by("name", "pk"), 50)
    if membership.can("recruitment.panel"):
        context |= listed("panel_waiting", lambda: selectors.applications_for(membership=membership).filter(
            status__in=(ApplicationStatus.ENDORSED, ApplicationStatus.PROPOSED),
            round__in=selectors.panel_rounds(membership).values("round_id")).select_related(None).select_related("round")
            .only("name", "status", "round__title").order_by("submitted_at", "pk"), 20)
    return context


def leader_section(*, membership: Membership, leader: SystemLeader, **_) -> dict:
    """The leader's induction progress and any consent withdrawals, for the steering group and admins."""
    if not membership.can("talent.view"):
        return {}
    steps = induction.checklist(leader)
    return {"induction_steps": steps, "induction_done": sum(step.done for step in steps),
            "consent_withdrawals": consent.withdrawals(leader)}
