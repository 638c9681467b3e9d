"""What each role's home page lists from brokerage: what needs them next. A fixed number of queries.

It reads from every sub-package's selectors, so it sits beside `processes` above them. The foundation's
home page and the directory's system leader page reach it through the section registry
(`portal.ui.sections`), never by importing it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from alliances.models import SystemLeader
from alliances.selectors import designations_due
from deployments.brokerage.selectors import awaiting_proposal
from deployments.delivery import capacity
from deployments.delivery.selectors import disputed_visits, visits_to_log, watchlist
from deployments.models import (
    LIVE_DEPLOYMENT_STATUSES,
    DeploymentStatus,
    OfferStatus,
    RequestStatus,
    Review,
    ReviewStatus,
    Visit,
    VisitStatus,
    Watch,
    with_due_caveats,
)
from deployments.progress import with_progress
from deployments.requests.selectors import triage_queue
from deployments.reviews.selectors import overdue_reviews
from deployments.variations.selectors import changes_waiting_for
from deployments.visibility import deployments_for, offers_for, requests_for
from portal.queues import first_and_total, firsts_and_totals, in_any_queue
from portal.tenancy.models import Membership
from portal.ui.sections import IfAny, listed, queued

# The home lists show a deployment's school, system leader and who proposed it, and an offer's request, school
# and leader: joining only those (not every relation the detail pages need) keeps each statement cheap to plan.
DEPLOYMENT_ROWS = ("school", "leader", "proposed_by")
OFFER_ROWS = ("request__school", "leader")
# And of those rows only the columns the templates show (`.only()`): building the select list of every column of
# a school, a leader and a user was most of each statement's cost in Python.
REVIEW_ROWS = ("kind", "term_key", "due_on", "deployment__school__name")


def home_sections(*, membership: Membership, **_) -> dict:
    """Every section the member's capabilities call for, merged into one template context; the lists often empty
    are read only if they have rows (`portal.ui.sections.IfAny`)."""
    sections: dict = {}
    for capability, section in SECTIONS:
        if membership.can(capability):
            sections.update(section(membership))
    return sections


def _headteacher(membership: Membership) -> dict:
    mine = deployments_for(membership=membership)
    # The next steps agreed in the latest agreed review of each of the school's live deployments.
    latest = Review.objects.filter(deployment=OuterRef("deployment"), status=ReviewStatus.AGREED).order_by(
        "-due_on", "-pk").values("pk")[:1]
    return {
        "requests": list(with_progress(requests_for(membership=membership)).select_related(None).select_related("school")
                         .only("status", "school__name").order_by("-created_at")[:10]),
        "deployments": list(mine.select_related(None).select_related("school", "leader").only(
            "days", "status", "head_confirmed_at", "school__name", "leader__name").order_by("-proposed_at", "-pk")[:10]),
        **listed("next_steps", Review.objects.filter(
            deployment__in=mine.filter(status__in=LIVE_DEPLOYMENT_STATUSES).values("pk"), status=ReviewStatus.AGREED)
            .annotate(latest=Subquery(latest)).filter(pk=F("latest")).exclude(next_steps="")
            .select_related("deployment__school", "deployment__leader")
            .only("kind", "term_key", "next_steps", "deployment__school__name", "deployment__leader__name")
            .order_by("-due_on", "-pk"), 5),
        **listed("visits_to_confirm",
                 Visit.objects.filter(deployment__in=mine.filter(status=DeploymentStatus.ACTIVE).values("pk"),
                                      status=VisitStatus.LOGGED)
                 .select_related("deployment__leader", "deployment__school")
                 .only("visit_date", "deployment__leader__name", "deployment__school__name").order_by("visit_date"), 10),
    }


def _reviews_to_do(membership: Membership) -> dict:
    writer = membership.can("reviews.write")
    waiting = Q(status=ReviewStatus.DUE, due_on__lte=timezone.localdate() + timedelta(days=21)) if writer else Q(
        status=ReviewStatus.SUBMITTED)
    return listed("reviews_to_do", with_due_caveats(Review.objects.filter(
        waiting, deployment__in=deployments_for(membership=membership).values("pk")))
        .select_related("deployment__school").only(*REVIEW_ROWS).order_by("due_on", "pk"), 10)


def _system_leader(membership: Membership) -> dict:
    sections = {
        **listed("open_offers", offers_for(membership=membership).filter(status=OfferStatus.OPEN).select_related(None)
                 .select_related("request__school").only("expires_at", "request__days_wanted", "request__school__name")
                 .order_by("expires_at"), 10),
        "my_deployments": list(deployments_for(membership=membership).filter(
            status__in=LIVE_DEPLOYMENT_STATUSES).select_related(None).select_related("school")
            .only("status", "leader_confirmed_at", "school__name").order_by("start_date", "pk")[:10]),
        **listed("visits_to_log", visits_to_log(membership=membership).select_related(None).select_related("school")
                 .only("days", "end_date", "school__name"), 10),
    }
    # The leader's own record as the capacity ledger needs it (its capacity); the page shows nothing else of it,
    # so no join to its home school (`own_leader_record` joins it for the pages that show it).
    leader = SystemLeader.objects.filter(partnership=membership.partnership, user=membership.user).only(
        "capacity_days_per_term").first()
    if leader is not None:
        sections["leader"] = leader
        sections["ledger"] = capacity.current_ledger(partnership=membership.partnership, leader=leader)
    return sections


def _broker(membership: Membership) -> dict:
    """The broker's queues; each queue shown with its size reads both in one statement (`first_and_total`)."""
    visible = deployments_for(membership=membership).select_related(None).select_related("school")
    waiting_offers = offers_for(membership=membership).filter(status=OfferStatus.OPEN).select_related(None).select_related(
        *OFFER_ROWS).only("request", "expires_at", "request__school__name", "leader__name").order_by("expires_at", "pk")
    waiting_approval = visible.filter(status=DeploymentStatus.PROPOSED).only("proposed_at", "school__name").order_by(
        "proposed_at", "pk")
    requests = _request_queues(membership)
    disputes = disputed_visits(membership=membership).only(
        "visit_date", "deployment__school__name", "deployment__leader__name")
    awaiting_agreement = list(visible.filter(status=DeploymentStatus.APPROVED).only(
        "head_confirmed_at", "leader_confirmed_at", "school__name").order_by("decided_at")[:10])
    overdue, overdue_count = first_and_total(overdue_reviews(membership=membership).only(
        *REVIEW_ROWS, "deployment__leader__name"), 10)
    awaiting_approval, awaiting_approval_count = first_and_total(waiting_approval, 10)
    return {
        **requests, **queued("offers_waiting_list", waiting_offers, 10, "offers_waiting"),
        **listed("disputes", disputes, 10), "awaiting_agreement": awaiting_agreement,
        "overdue_reviews": overdue, "overdue_count": overdue_count,
        "awaiting_approval": awaiting_approval, "awaiting_approval_count": awaiting_approval_count,
    }


def _request_queues(membership: Membership) -> dict:
    """The broker's requests: accepted ones to propose, their own taken on and, if they triage, those waiting for
    triage with how many; one statement for the three (`firsts_and_totals`), each queue its selector's rows, read
    only if any of them has a row."""
    queues = {"to_propose": (Q(status=RequestStatus.MATCHED), ("triaged_at", "pk")),
              "my_requests": (Q(status=RequestStatus.TRIAGED), ("triaged_at", "pk"))}
    rows_of = {"to_propose": Q(pk__in=awaiting_proposal(membership=membership).values("pk")),
               "my_requests": Q(assigned_broker=membership.user, status=RequestStatus.TRIAGED)}
    if membership.can("requests.triage"):
        queues["triage_queue"] = (Q(status=RequestStatus.SUBMITTED), ("submitted_at", "pk"))
    visible = requests_for(membership=membership).select_related(None).select_related("school").only(
        "triaged_at", "submitted_at", "school__name")

    def read() -> dict:
        found = firsts_and_totals(visible, queues, 10, rows_of=rows_of)
        requests = {name: rows for name, (rows, _) in found.items()}
        if "triage_queue" in found:
            requests["triage_count"] = found["triage_queue"][1]
        return requests

    empty = {name: [] for name in queues} | ({"triage_count": 0} if "triage_queue" in queues else {})
    return {"if-any:request_queues": IfAny(in_any_queue(visible, queues, rows_of), read, empty)}


def _triage(membership: Membership) -> dict:
    if membership.can("offers.make"):
        return {}  # the broker's section read the triage queue with their other requests
    return queued("triage_queue", triage_queue(membership=membership).select_related(None).select_related(
        "school").only("submitted_at", "school__name"), 10, "triage_count")


def _steering_group(membership: Membership) -> dict:
    today = timezone.localdate()
    due, due_count = first_and_total(designations_due(membership=membership, today=today).only(
        "name", "designation", "review_due"), 10)
    # The watch list (its watched ids, then their deployments) only for a member who watches any.
    watched = IfAny(Watch.objects.filter(partnership=membership.partnership, user=membership.user), lambda: {
        "watchlist": list(watchlist(membership=membership).select_related(None).select_related("school", "leader")
                          .only("end_date", "status", "school__name", "leader__name")[:20])}, {"watchlist": []})
    return {"designations_due": due, "designations_due_count": due_count, "if-any:watchlist": watched, "today": today}


def _approver(membership: Membership) -> dict:
    queue = deployments_for(membership=membership).filter(status=DeploymentStatus.PROPOSED).select_related(None).select_related(
        *DEPLOYMENT_ROWS).only("days", "proposed_at", "school__name", "leader__name", "proposed_by__name",
                               "proposed_by__email").order_by("proposed_at", "pk")
    to_decide, to_decide_count = first_and_total(queue, 10)
    return {"to_decide": to_decide, "to_decide_count": to_decide_count}


def _changes_waiting(membership: Membership) -> dict:
    """Changes to deployments waiting for this member: to decide (approvers) or to confirm (either side)."""
    return listed("changes_waiting", changes_waiting_for(membership=membership).only(
        "deployment", "proposed_at", "deployment__school__name", "deployment__leader__name"), 10)


def _reviews_or_agreements(membership: Membership) -> dict:
    return _reviews_to_do(membership) if membership.can("reviews.write") or membership.can("reviews.agree") else {}


# (capability, section): in the order the old single function built them, so queries run in the same order.
SECTIONS = [
    ("requests.create", _headteacher),
    ("partnership.view", _reviews_or_agreements),
    ("offers.respond", _system_leader),
    ("offers.make", _broker),
    ("brokerage.view", _steering_group),
    ("deployments.approve", _approver),
    ("requests.triage", _triage),
    ("deployments.view", _changes_waiting),
]


def leader_sections(*, membership: Membership, leader) -> dict:
    """On a system leader's page: their capacity ledger, for the steering group."""
    if not membership.can("brokerage.view"):
        return {}
    return {"ledger": capacity.current_ledger(partnership=membership.partnership, leader=leader)}
