"""Reads for recruitment pages, always through the viewer's membership: candidates see only their own applications,
headteachers those naming their schools, panel members their rounds' endorsed applications, brokers and admins all
sent ones. Scores are read by `panel` and shown only where its guards allow."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from leadership.models import (
    Application,
    ApplicationSpecialism,
    ApplicationStatus,
    Criterion,
    Evidence,
    InductionItem,
    Nomination,
    NominationSpecialism,
    PanelMember,
    RecruitmentRound,
    RoundInvitation,
    RoundSpecialism,
    RoundStatus,
)
from portal.tenancy.models import Membership

PANEL_STATUSES = (ApplicationStatus.ENDORSED, ApplicationStatus.PROPOSED, ApplicationStatus.DESIGNATED,
                  ApplicationStatus.NOT_DESIGNATED)


def rounds_for(*, membership: Membership) -> QuerySet[RecruitmentRound]:
    rounds = RecruitmentRound.objects.filter(partnership=membership.partnership)
    if not membership.can("recruitment.manage"):
        rounds = rounds.filter(status=RoundStatus.PUBLISHED)
    return rounds


def sent_counts(partnership) -> dict[int, int]:
    """Applications sent (not drafts) per round, in one query."""
    return dict(Application.objects.filter(partnership=partnership).exclude(status=ApplicationStatus.DRAFT)
                .values("round_id").annotate(n=Count("pk")).values_list("round_id", "n"))


def criteria(round_id: int) -> list[Criterion]:
    return list(Criterion.objects.filter(round_id=round_id))


def round_specialisms(round_id: int) -> list:
    return [link.specialism for link in RoundSpecialism.objects.filter(round_id=round_id).select_related("specialism")
            .order_by("specialism__name")]


def panel(round_id: int) -> list[PanelMember]:
    return list(PanelMember.objects.filter(round_id=round_id).select_related("user").order_by("user__name", "pk"))


def panel_rounds(membership: Membership) -> QuerySet:
    return PanelMember.objects.filter(partnership=membership.partnership, user=membership.user).values("round_id")


def applications_for(*, membership: Membership) -> QuerySet[Application]:
    """The applications the member may open (see the module docstring)."""
    sent = ~Q(status=ApplicationStatus.DRAFT)
    seen = Q(candidate=membership.user)
    if membership.can("recruitment.manage"):
        seen |= sent
    if membership.can("recruitment.endorse"):
        seen |= sent & Q(school__in=membership.schools.values("pk"))
    if membership.can("recruitment.panel"):
        seen |= Q(status__in=PANEL_STATUSES, round__in=panel_rounds(membership).values("round_id"))
    return (Application.objects.filter(partnership=membership.partnership).filter(seen)
            .select_related("round", "school"))


def round_invitation(round_: RecruitmentRound, email: str) -> RoundInvitation | None:
    return RoundInvitation.objects.filter(round=round_, email__iexact=email).first()


def round_invitations(round_id: int) -> list[RoundInvitation]:
    return list(RoundInvitation.objects.filter(round_id=round_id).select_related("school").order_by("name", "pk"))


def application_specialisms(application: Application) -> list:
    return [link.specialism for link in ApplicationSpecialism.objects.filter(application=application)
            .select_related("specialism").order_by("specialism__name")]


def evidence_by_criterion(application: Application) -> dict[int, str]:
    return dict(Evidence.objects.filter(application=application).values_list("criterion_id", "text"))


def nominations(*, membership: Membership, specialism: int | None = None, phase: str = "") -> QuerySet[Nomination]:
    rows = Nomination.objects.filter(partnership=membership.partnership).select_related("school", "nominated_by")
    if specialism:
        rows = rows.filter(pk__in=NominationSpecialism.objects.filter(specialism_id=specialism).values("nomination_id"))
    if phase:
        rows = rows.filter(**{phase: True})
    return rows


def nomination_specialisms(nominations_: list[Nomination]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for nomination_id, name in (NominationSpecialism.objects.filter(nomination__in=[n.pk for n in nominations_])
                                .order_by("specialism__name").values_list("nomination_id", "specialism__name")):
        names.setdefault(nomination_id, []).append(name)
    return names


def nomination_invitations(nominations_: list[Nomination]) -> dict[int, list[str]]:
    rounds: dict[int, list[str]] = {}
    for nomination_id, title in (RoundInvitation.objects.filter(nomination__in=[n.pk for n in nominations_])
                                 .values_list("nomination_id", "round__title")):
        rounds.setdefault(nomination_id, []).append(title)
    return rounds


def induction_items(partnership) -> list[InductionItem]:
    return list(InductionItem.objects.filter(partnership=partnership, is_active=True).select_related("service",
                                                                                                     "programme"))
