"""What each role's home page lists from brokerage: what needs them next, each list a `portal.ui.sections` part
built by a function, so its statement is built once for the member and the day and then only run.

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
from portal import kept
from portal.queues import in_any_queue, queues_found, queues_statement
from portal.tenancy.models import Membership
from portal.ui.sections import Part, always, always_counted, listed, queued

# The home lists show a deployment's school, system leader and who proposed it, and an offer's request, school
# and leader: joining only those (not every relation the detail pages need) keeps each statement cheap to plan.
DEPLOYMENT_ROWS = ("school", "leader", "proposed_by")
OFFER_ROWS = ("request__school", "leader")
# And of those rows only the columns the templates show (`.only()`): building the select list of every column of
# a school, a leader and a user was most of each statement's cost in Python.
REVIEW_ROWS = ("kind", "term_key", "due_on", "deployment__school__name")


def home_sections(*, membership: Membership, **_) -> dict:
    """Every section the member's capabilities call for, merged into one template context; the lists often empty
    are read only if they have rows (`portal.ui.sections.listed`, `queued`)."""
    sections: dict = {}
    for capability, section in SECTIONS:
        if membership.can(capability):
            sections.update(section(membership))
    return sections


def _headteacher(membership: Membership) -> dict:
    def mine():
        return deployments_for(membership=membership)

    def next_steps():
        # The next steps agreed in the latest agreed review of each of the school's live deployments.
        latest = Review.objects.filter(deployment=OuterRef("deployment"), status=ReviewStatus.AGREED).order_by(
            "-due_on", "-pk").values("pk")[:1]
        return (Review.objects.filter(deployment__in=mine().filter(status__in=LIVE_DEPLOYMENT_STATUSES).values("pk"),
                                      status=ReviewStatus.AGREED)
                .annotate(latest=Subquery(latest)).filter(pk=F("latest")).exclude(next_steps="")
                .select_related("deployment__school", "deployment__leader")
                .only("kind", "term_key", "next_steps", "deployment__school__name", "deployment__leader__name")
                .order_by("-due_on", "-pk"))

    return {
        **always("requests", lambda: with_progress(requests_for(membership=membership)).select_related(None)
                 .select_related("school").only("status", "school__name").order_by("-created_at"), 10),
        **always("deployments", lambda: mine().select_related(None).select_related("school", "leader").only(
            "days", "status", "head_confirmed_at", "school__name", "leader__name").order_by("-proposed_at", "-pk"), 10),
        **listed("next_steps", next_steps, 5),
        **listed("visits_to_confirm", lambda: Visit.objects.filter(
            deployment__in=mine().filter(status=DeploymentStatus.ACTIVE).values("pk"), status=VisitStatus.LOGGED)
            .select_related("deployment__leader", "deployment__school")
            .only("visit_date", "deployment__leader__name", "deployment__school__name").order_by("visit_date", "pk"), 10),
    }


def _reviews_to_do(membership: Membership) -> dict:
    def rows():
        writer = membership.can("reviews.write")
        waiting = Q(status=ReviewStatus.DUE, due_on__lte=timezone.localdate() + timedelta(days=21)) if writer else Q(
            status=ReviewStatus.SUBMITTED)
        return (with_due_caveats(Review.objects.filter(
            waiting, deployment__in=deployments_for(membership=membership).values("pk")))
            .select_related("deployment__school").only(*REVIEW_ROWS).order_by("due_on", "pk"))

    return listed("reviews_to_do", rows, 10)


def _system_leader(membership: Membership) -> dict:
    sections = {
        **listed("open_offers", lambda: offers_for(membership=membership).filter(status=OfferStatus.OPEN)
                 .select_related(None).select_related("request__school")
                 .only("expires_at", "request__days_wanted", "request__school__name").order_by("expires_at", "pk"), 10),
        **always("my_deployments", lambda: deployments_for(membership=membership).filter(
            status__in=LIVE_DEPLOYMENT_STATUSES).select_related(None).select_related("school")
            .only("status", "leader_confirmed_at", "school__name").order_by("start_date", "pk"), 10),
        **listed("visits_to_log", lambda: visits_to_log(membership=membership).select_related(None)
                 .select_related("school").only("days", "end_date", "school__name"), 10),
    }
    # The leader's own record as the capacity ledger needs it (its capacity); the page shows nothing else of it,
    # so no join to its home school (`own_leader_record` joins it for the pages that show it). Its statement
    # depends on the partnership and the user alone, so it is kept for them (`portal.kept`).
    found = kept.rows(("home.leader_record", membership.partnership_id, membership.user_id), lambda: (
        SystemLeader.objects.filter(partnership=membership.partnership, user=membership.user)
        .only("capacity_days_per_term").order_by("pk")[:1]))
    if found:
        sections["leader"] = leader = found[0]
        sections["ledger"] = capacity.current_ledger(partnership=membership.partnership, leader=leader)
    return sections


def _broker(membership: Membership) -> dict:
    """The broker's queues; each queue shown with its size reads both in one statement (`with_total`)."""
    def visible():
        return deployments_for(membership=membership).select_related(None).select_related("school")

    return {
        **_request_queues(membership),
        **queued("offers_waiting_list", lambda: offers_for(membership=membership).filter(status=OfferStatus.OPEN)
                 .select_related(None).select_related(*OFFER_ROWS)
                 .only("request", "expires_at", "request__school__name", "leader__name").order_by("expires_at", "pk"),
                 10, "offers_waiting"),
        **listed("disputes", lambda: disputed_visits(membership=membership).only(
            "visit_date", "deployment__school__name", "deployment__leader__name"), 10),
        **always("awaiting_agreement", lambda: visible().filter(status=DeploymentStatus.APPROVED).only(
            "head_confirmed_at", "leader_confirmed_at", "school__name").order_by("decided_at", "pk"), 10),
        **always_counted("overdue_reviews", lambda: overdue_reviews(membership=membership).only(
            *REVIEW_ROWS, "deployment__leader__name"), 10, "overdue_count"),
        **always_counted("awaiting_approval", lambda: visible().filter(status=DeploymentStatus.PROPOSED).only(
            "proposed_at", "school__name").order_by("proposed_at", "pk"), 10, "awaiting_approval_count"),
    }


def _request_queues(membership: Membership) -> dict:
    """The broker's requests: accepted ones to propose, their own taken on and, if they triage, those waiting for
    triage with how many; one statement for the three (`queues_statement`), each queue its selector's rows, read
    only if any of them has a row."""
    queues = {"to_propose": (Q(status=RequestStatus.MATCHED), ("triaged_at", "pk")),
              "my_requests": (Q(status=RequestStatus.TRIAGED), ("triaged_at", "pk"))}
    if membership.can("requests.triage"):
        queues["triage_queue"] = (Q(status=RequestStatus.SUBMITTED), ("submitted_at", "pk"))

    def rows_of():
        return {"to_propose": Q(pk__in=awaiting_proposal(membership=membership).values("pk")),
                "my_requests": Q(assigned_broker=membership.user, status=RequestStatus.TRIAGED)}

    def visible():
        return requests_for(membership=membership).select_related(None).select_related("school").only(
            "triaged_at", "submitted_at", "school__name")

    def shape(rows: list) -> dict:
        found = queues_found(rows, list(queues))
        requests = {name: shown_rows for name, (shown_rows, _) in found.items()}
        if "triage_queue" in found:
            requests["triage_count"] = found["triage_queue"][1]
        return requests

    empty = {name: [] for name in queues} | ({"triage_count": 0} if "triage_queue" in queues else {})
    return {"part:request_queues": Part(lambda: queues_statement(visible(), queues, 10, rows_of=rows_of()), shape,
                                        lambda: in_any_queue(visible(), queues, rows_of()), empty)}


def _triage(membership: Membership) -> dict:
    if membership.can("offers.make"):
        return {}  # the broker's section read the triage queue with their other requests
    return queued("triage_queue", lambda: triage_queue(membership=membership).select_related(None).select_related(
        "school").only("submitted_at", "school__name"), 10, "triage_count")


def _steering_group(membership: Membership) -> dict:
    today = timezone.localdate()
    return {
        **always_counted("designations_due", lambda: designations_due(membership=membership, today=today).only(
            "name", "designation", "review_due"), 10, "designations_due_count"),
        # The watch list (its watched ids, then their deployments) only for a member who watches any.
        "part:watchlist": Part(lambda: watchlist(membership=membership).select_related(None)
                               .select_related("school", "leader").only("end_date", "status", "school__name",
                                                                        "leader__name")[:20],
                               lambda rows: {"watchlist": rows},
                               lambda: Watch.objects.filter(partnership=membership.partnership, user=membership.user),
                               {"watchlist": []}, keep=False),  # `watchlist` reads the watched ids first
        "today": today,
    }


def _approver(membership: Membership) -> dict:
    return always_counted("to_decide", lambda: deployments_for(membership=membership).filter(
        status=DeploymentStatus.PROPOSED).select_related(None).select_related(*DEPLOYMENT_ROWS).only(
        "days", "proposed_at", "school__name", "leader__name", "proposed_by__name", "proposed_by__email")
        .order_by("proposed_at", "pk"), 10, "to_decide_count")


def _changes_waiting(membership: Membership) -> dict:
    """Changes to deployments waiting for this member: to decide (approvers) or to confirm (either side)."""
    return listed("changes_waiting", lambda: changes_waiting_for(membership=membership).only(
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
