"""The isolation matrix: every tenant URL x role x method, against the other partnership's objects.

* an outsider (member only of the other partnership) gets 404 for every URL and method;
* every role, given ids of the other partnership's objects, gets 404 (403 where the role lacks the
  capability) and changes nothing there;
* anonymous visitors are sent to sign in;
* convention tests fail when a tenant URL is missing here or a tenant model lacks the scoped manager.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_scopes import ScopeError, scopes_disabled

from api.models import ApiToken, WebhookEndpoint
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.tenancy.models import Invitation, Membership, PartnershipOwned
from portal.tenancy.roles import Role
from tests.conftest import make_other_partnership, make_partnership, make_personas
from tests.factories import (
    AllianceFactory,
    CalendarPeriodFactory,
    CapacityEntryFactory,
    CatalogueFactory,
    ClusterFactory,
    DeploymentFactory,
    NotificationFactory,
    OfferFactory,
    OrderFactory,
    OrderLineFactory,
    PartnershipSchoolFactory,
    ReviewFactory,
    SchoolFactory,
    ServiceFactory,
    SpecialismFactory,
    SupportRequestFactory,
    SystemLeaderFactory,
    VariationFactory,
    VisitFactory,
    make_invitation,
    make_member,
)
from tests.factories.courses import CohortFactory, FacilitatorFactory, ProgrammeFactory, SessionFactory
from tests.factories.leadership import make_application, make_induction_item, make_nomination, make_round
from tests.leadership.quality.world import quality_objects
from tests.shared_data import fresh_copy, shared_test_data


def _objects(partnership, member, leader_user=None, panel=(), candidate=None, participant=None):
    """One of each tenant object in `partnership`, for URLs that take an id. Its private texts name the
    partnership's slug, so a page that leaks them says whose they are."""
    slug = partnership.slug
    # Shared reference data: both partnerships' rows point at the same school.
    school = SchoolFactory(urn="139087", name="Histon and Impington Junior School")
    PartnershipSchoolFactory(partnership=partnership, school=school, notes=f"Private note of {slug}")
    specialism = SpecialismFactory(partnership=partnership, name=f"Maths {slug}")
    leader = SystemLeaderFactory(partnership=partnership, name=f"Leader of {slug}", home_school=school,
                                 email=f"lead@{slug}.example.org", user=leader_user)
    cluster = ClusterFactory(partnership=partnership, name=f"Cluster of {slug}", la=school.la, schools=[school],
                             notes=f"Private note of {slug}")
    alliance = AllianceFactory(partnership=partnership, name=f"Alliance of {slug}", leads=[school])
    support = SupportRequestFactory(partnership=partnership, school=school, created_by=member.user,
                                    context=f"Private context of {slug}")
    offer = OfferFactory(request=support, leader=leader, offered_by=member.user)
    deployment = DeploymentFactory(request=support, leader=leader, proposed_by=member.user,
                                   start_date=date(2026, 9, 1), end_date=date(2026, 12, 1))
    visit = VisitFactory(deployment=deployment, visit_date=date(2026, 9, 8), focus=f"Private focus of {slug}",
                         logged_by=member.user)
    review = ReviewFactory(deployment=deployment, overall_progress=f"Private progress of {slug}")
    variation = VariationFactory(deployment=deployment, proposed_by=member.user, reason=f"Private reason of {slug}")
    period = CalendarPeriodFactory(partnership=partnership, start=date(2026, 9, 1), name=f"Autumn term of {slug}")
    invitation = make_invitation(partnership, email=f"invitee-{slug}@example.org", token=f"tok-{slug}")
    notification = NotificationFactory(partnership=partnership, recipient=member.user, dedupe_key=f"matrix-{slug}",
                                       title="Welcome")
    catalogue = CatalogueFactory(partnership=partnership, title=f"Catalogue of {slug}", created_by=member.user)
    service = ServiceFactory(partnership=partnership, catalogue=catalogue, name=f"Package of {slug}",
                             created_by=member.user)
    # Orders and finance: a sent order for the school, waiting for the steering group.
    order = OrderFactory(partnership=partnership, school=school, status="submitted", purchase_order=f"PO {slug}",
                         catalogue=catalogue, created_by=member.user)
    order_line = OrderLineFactory(partnership=partnership, order=order, service__created_by=member.user)
    quality = quality_objects(partnership, lead=leader, school=school, recorded_by=member.user)
    courses = _course_objects(partnership, member, leader)
    api_token = ApiToken.objects.create(partnership=partnership, name=f"Token of {slug}", prefix="s2s_abcd",
                                        token_hash=f"{slug:0<64}"[:64], scopes=["schools"], created_by=member.user,
                                        expires_on=date(2090, 1, 1))
    webhook = WebhookEndpoint.objects.create(partnership=partnership, url=f"https://{slug}.example.org/hook",
                                             secret="whsec_matrix", events=["review.agreed"], created_by=member.user)
    return {**quality, **courses, **_leadership_objects(partnership, member, school, leader, panel, candidate),
            **_place_objects(partnership, member, school, participant),
            **_delivery_objects(partnership, member, school, leader, participant),
            "api_token": api_token, "webhook": webhook, "order": order,
            "order_line": order_line, "membership": member, "invitation": invitation,
            "notification": notification, "school": school,
            "specialism": specialism, "leader": leader, "cluster": cluster, "alliance": alliance, "period": period,
            "request": support, "offer": offer, "deployment": deployment, "visit": visit,
            "review": review, "variation": variation, "catalogue": catalogue, "service": service}


def _course_objects(partnership, member, leader):
    """A published programme with an open cohort, one of its sessions and its system-leader facilitator."""
    programme = ProgrammeFactory(partnership=partnership, title=f"Programme of {partnership.slug}",
                                 created_by=member.user)
    cohort = CohortFactory(programme=programme, name=f"Cohort of {partnership.slug}", created_by=member.user)
    session = SessionFactory(cohort=cohort, title=f"Session of {partnership.slug}")
    facilitator = FacilitatorFactory(cohort=cohort, leader=leader)
    return {"programme": programme, "cohort": cohort, "session": session, "facilitator": facilitator}
def _place_objects(partnership, member, school, participant=None):
    """An open cohort and a withdrawn place on it for the head persona's school, held by the participant persona (so
    every action on it goes back to the place, and only its participant, the school's head and the steering group
    see it)."""
    from tests.factories.places import make_cohort, make_place

    cohort = make_cohort(partnership, places=3, created_by=member.user, name=f"Cohort of {partnership.slug}")
    place = make_place(cohort, school, nominated_by=member.user, status="withdrawn", user=participant,
                       name=f"Participant of {partnership.slug}", withdraw_reason=f"Private reason of {partnership.slug}")
    return {"pl_cohort": cohort, "pl_place": place}


def _leadership_objects(partnership, member, school, leader, panel=(), candidate=None):
    """A published round open today with its panel, an endorsed application to it from `candidate` at the school,
    a talent-pool nomination and an induction step."""
    round_ = make_round(partnership, panel=panel or [member.user], title=f"Round of {partnership.slug}",
                        created_by=member.user)
    application = make_application(round_, candidate or member.user, school=school, status="endorsed",
                                   endorsed_by=member.user, name=f"Candidate of {partnership.slug}")
    nomination = make_nomination(partnership, school, nominated_by=member.user, name=f"Nominee {partnership.slug}")
    make_induction_item(partnership, title=f"Step of {partnership.slug}")
    return {"round": round_, "application": application, "nomination": nomination}


def _delivery_objects(partnership, member, school, leader, participant=None):
    """A cohort run by `leader` (the system leader persona's record) whose sessions are over, with a completed
    place of `participant` at the school and the school's impact due today."""
    from datetime import timedelta

    from django.utils import timezone

    from programmes.models import Place
    from tests.factories.delivery import dl_cohort, dl_place, dl_programme, dl_school_impact, dl_sessions

    today = timezone.localdate()
    programme = dl_programme(partnership, created_by=member.user, title=f"Programme of {partnership.slug}")
    cohort = dl_cohort(programme, created_by=member.user, first=today - timedelta(days=30), sessions=3,
                       facilitators=[leader], name=f"Cohort of {partnership.slug}")
    place = dl_place(cohort, school, nominated_by=member.user, user=participant, name=f"Participant {partnership.slug}")
    Place.objects.filter(pk=place.pk).update(completed_at=timezone.now())
    impact = dl_school_impact(place, due_on=today)
    return {"dl_cohort": cohort, "dl_session": dl_sessions(cohort)[0], "dl_place": place, "dl_impact": impact}


# url name -> (methods, which object supplies pk, or None)
MATRIX: dict[str, tuple[tuple[str, ...], str | None]] = {
    "tenant:home": (("get",), None),
    "tenant:ping": (("get",), None),
    "tenant:members": (("get",), None),
    "tenant:invite": (("get", "post"), None),
    "tenant:member": (("get", "post"), "membership"),
    "tenant:member_links": (("post",), "membership"),
    "tenant:member_deactivate": (("get", "post"), "membership"),
    "tenant:member_reactivate": (("post",), "membership"),
    "tenant:invitation_withdraw": (("get", "post"), "invitation"),
    "tenant:activity": (("get",), None),
    "tenant:settings": (("get", "post"), None),
    "tenant:sso_settings": (("get", "post"), None),
    "tenant:notifications": (("get",), None),
    "tenant:notifications_read_all": (("post",), None),
    "tenant:notification": (("get",), "notification"),
    "alliances:schools": (("get",), None),
    "alliances:schools_csv": (("get",), None),
    "alliances:school_add": (("get", "post"), None),
    "alliances:school": (("get",), "school"),
    "alliances:school_partnership": (("get", "post"), "school"),
    "alliances:leaders": (("get",), None),
    "alliances:leaders_csv": (("get",), None),
    "alliances:leader_new": (("get", "post"), None),
    "alliances:leader": (("get",), "leader"),
    "alliances:leader_edit": (("get", "post"), "leader"),
    "alliances:own_profile": (("get", "post"), None),
    "alliances:clusters": (("get",), None),
    "alliances:clusters_csv": (("get",), None),
    "alliances:cluster_new": (("get", "post"), None),
    "alliances:cluster": (("get",), "cluster"),
    "alliances:cluster_edit": (("get", "post"), "cluster"),
    "alliances:alliances": (("get",), None),
    "alliances:alliance_new": (("get", "post"), None),
    "alliances:alliance": (("get",), "alliance"),
    "alliances:alliance_edit": (("get", "post"), "alliance"),
    "alliances:specialisms": (("get", "post"), None),
    "alliances:specialism_action": (("post",), "specialism"),
    "alliances:specialism_delete": (("get", "post"), "specialism"),
    "deployments:requests": (("get",), None),
    "deployments:request_new": (("get", "post"), None),
    "deployments:request": (("get",), "request"),
    "deployments:request_needs": (("get", "post"), "request"),
    "deployments:request_context": (("get", "post"), "request"),
    "deployments:request_timing": (("get", "post"), "request"),
    "deployments:request_funding": (("get", "post"), "request"),
    "deployments:request_check": (("get", "post"), "request"),
    "deployments:request_withdraw": (("get", "post"), "request"),
    "deployments:request_delete": (("get", "post"), "request"),
    "deployments:request_triage": (("get", "post"), "request"),
    "deployments:request_candidates": (("get",), "request"),
    "deployments:request_offer": (("post",), "request"),
    "deployments:request_propose": (("get", "post"), "request"),
    "deployments:offers": (("get",), None),
    "deployments:offer": (("get", "post"), "offer"),
    "deployments:offer_withdraw": (("get", "post"), "offer"),
    "deployments:offer_decline": (("get", "post"), "offer"),
    "deployments:deployments": (("get",), None),
    "deployments:deployment": (("get",), "deployment"),
    "deployments:deployment_agreement": (("get",), "deployment"),
    "deployments:deployment_watch": (("post",), "deployment"),
    "deployments:deployment_decide": (("get", "post"), "deployment"),
    "deployments:deployment_confirm": (("post",), "deployment"),
    "deployments:deployment_pause": (("get", "post"), "deployment"),
    "deployments:deployment_resume": (("get", "post"), "deployment"),
    "deployments:deployment_stop": (("get", "post"), "deployment"),
    "deployments:deployment_complete": (("get", "post"), "deployment"),
    "deployments:visit_new": (("get", "post"), "deployment"),
    "deployments:variation_new": (("get", "post"), "deployment"),
    "deployments:variation_decide": (("get", "post"), "variation"),
    "deployments:variation_confirm": (("post",), "variation"),
    "deployments:variation_decline": (("get", "post"), "variation"),
    "deployments:variation_withdraw": (("get", "post"), "variation"),
    "deployments:visit_edit": (("get", "post"), "visit"),
    "deployments:visit_delete": (("get", "post"), "visit"),
    "deployments:visit_answer": (("get", "post"), "visit"),
    "deployments:visit_resolve": (("get", "post"), "visit"),
    "reporting:dashboard": (("get",), None),
    "reporting:dashboard_csv": (("get",), None),
    "reporting:dashboard_xlsx": (("get",), None),
    "reporting:dashboard_deployment": (("get",), "deployment"),
    "deployments:review": (("get",), "review"),
    "deployments:review_write": (("get", "post"), "review"),
    "deployments:review_answer": (("get", "post"), "review"),
    "tenant:calendar": (("get",), None),
    "tenant:calendar_import": (("post",), None),
    "tenant:calendar_period_new": (("get", "post"), None),
    "tenant:calendar_period": (("get", "post"), "period"),
    "tenant:calendar_period_delete": (("get", "post"), "period"),
    "privacy:members": (("get",), None),
    "privacy:member": (("get", "post"), "membership"),
    "reporting:takeup": (("get",), None),
    "programmes:catalogues": (("get",), None),
    "programmes:catalogue_new": (("get", "post"), None),
    "programmes:catalogue": (("get",), "catalogue"),
    "programmes:catalogue_edit": (("get", "post"), "catalogue"),
    "programmes:catalogue_publish": (("get", "post"), "catalogue"),
    "programmes:catalogue_copy": (("get", "post"), "catalogue"),
    "programmes:service_new": (("get", "post"), "catalogue"),
    "programmes:service_edit": (("get", "post"), "service"),
    "programmes:service_remove": (("get", "post"), "service"),
    "programmes:service_withdraw": (("get", "post"), "service"),
    "programmes:orders": (("get",), None),
    "programmes:order_new": (("get", "post"), None),
    "programmes:order": (("get",), "order"),
    "programmes:order_edit": (("get", "post"), "order"),
    "programmes:order_check": (("get", "post"), "order"),
    "programmes:order_confirm": (("post",), "order"),
    "programmes:order_decline": (("get", "post"), "order"),
    "programmes:order_withdraw": (("get", "post"), "order"),
    "programmes:order_cancel": (("get", "post"), "order"),
    "programmes:order_line_cancel": (("get", "post"), "order_line"),
    "programmes:school_account": (("get",), "school"),
    "programmes:finance": (("get",), None),
    "programmes:finance_csv": (("get",), None),
    "programmes:finance_xlsx": (("get",), None),
    "programmes:programmes": (("get",), None),
    "programmes:programme_new": (("get", "post"), None),
    "programmes:programme": (("get",), "programme"),
    "programmes:programme_edit": (("get", "post"), "programme"),
    "programmes:programme_publish": (("get", "post"), "programme"),
    "programmes:programme_archive": (("get", "post"), "programme"),
    "programmes:cohort_new": (("get", "post"), "programme"),
    "programmes:cohort": (("get",), "cohort"),
    "programmes:cohort_edit": (("get", "post"), "cohort"),
    "programmes:cohort_open": (("get", "post"), "cohort"),
    "programmes:cohort_cancel": (("get", "post"), "cohort"),
    "programmes:cohort_complete": (("get", "post"), "cohort"),
    "programmes:session_new": (("get", "post"), "cohort"),
    "programmes:session_edit": (("get", "post"), "session"),
    "programmes:session_remove": (("get", "post"), "session"),
    "programmes:facilitator_new": (("get", "post"), "cohort"),
    "programmes:facilitator_remove": (("get", "post"), "facilitator"),
    "programmes:register": (("get", "post"), "dl_session"),
    "programmes:cohort_participants": (("get",), "dl_cohort"),
    "programmes:evaluation": (("get", "post"), "dl_place"),
    "programmes:evaluation_check": (("get", "post"), "dl_place"),
    "programmes:certificate": (("get",), "dl_place"),
    "programmes:school_impact": (("get", "post"), "dl_impact"),
    "programmes:programme_reports": (("get",), None),
    "programmes:programme_reports_csv": (("get",), None),
    "programmes:programme_reports_xlsx": (("get",), None),
    "leadership:qa_index": (("get",), None),
    "leadership:qa_mine": (("get",), None),
    "leadership:qa_attention": (("get",), None),
    "leadership:qa_framework": (("get",), None),
    "leadership:qa_framework_defaults": (("post",), None),
    "leadership:qa_competency_new": (("get", "post"), None),
    "leadership:qa_competency": (("get", "post"), "competency"),
    "leadership:qa_level_new": (("get", "post"), None),
    "leadership:qa_level": (("get", "post"), "rating_level"),
    "leadership:qa_group_new": (("get", "post"), None),
    "leadership:qa_group": (("get", "post"), "qa_group"),
    "leadership:qa_summary": (("get",), "qa_leader"),
    "leadership:qa_record": (("get", "post"), "qa_leader"),
    "leadership:qa_designation_review": (("get", "post"), "qa_leader"),
    "leadership:qa_activity": (("get",), "qa_activity"),
    "leadership:qa_action_done": (("post",), "qa_action"),
    "leadership:reports": (("get",), None),
    "leadership:reports_csv": (("get",), None),
    "leadership:reports_benefits_csv": (("get",), None),
    "leadership:rounds": (("get",), None),
    "leadership:round_new": (("get", "post"), None),
    "leadership:round": (("get",), "round"),
    "leadership:round_edit": (("get", "post"), "round"),
    "leadership:round_panel": (("get", "post"), "round"),
    "leadership:round_publish": (("post",), "round"),
    "leadership:round_invite": (("get", "post"), "round"),
    "leadership:round_apply": (("post",), "round"),
    "leadership:applications": (("get",), None),
    "leadership:application": (("get",), "application"),
    "leadership:application_edit": (("get", "post"), "application"),
    "leadership:application_check": (("get", "post"), "application"),
    "leadership:application_withdraw": (("get", "post"), "application"),
    "leadership:application_endorse": (("get", "post"), "application"),
    "leadership:application_score": (("get", "post"), "application"),
    "leadership:application_decide": (("get", "post"), "application"),
    "leadership:application_confirm": (("post",), "application"),
    "leadership:application_send_back": (("get", "post"), "application"),
    "leadership:talent": (("get",), None),
    "leadership:nominate": (("get", "post"), None),
    "leadership:talent_invite": (("get", "post"), "nomination"),
    "leadership:induction": (("get", "post"), None),
    "leadership:leader_induction": (("get", "post"), "leader"),
    "leadership:consent_withdraw": (("get", "post"), "leader"),
    "leadership:consent_give": (("post",), "leader"),
    "tenant:calendar_feed": (("get", "post"), None),
    "tenant:calendar_feed_revoke": (("get", "post"), None),
    "programmes:cohort_places": (("get",), "pl_cohort"),
    "programmes:place_nominate": (("get", "post"), "pl_cohort"),
    "programmes:place_apply": (("get", "post"), "pl_cohort"),
    "programmes:staff_places": (("get",), None),
    "programmes:my_places": (("get",), None),
    "programmes:place": (("get",), "pl_place"),
    "programmes:place_endorse": (("get", "post"), "pl_place"),
    "programmes:place_accept": (("post",), "pl_place"),
    "programmes:place_decline": (("get", "post"), "pl_place"),
    "programmes:place_take": (("post",), "pl_place"),
    "programmes:place_turn_down": (("get", "post"), "pl_place"),
    "programmes:place_withdraw": (("get", "post"), "pl_place"),
    "api_pages:tokens": (("get", "post"), None),
    "api_pages:token_revoke": (("get", "post"), "api_token"),
    "api_pages:webhooks": (("get", "post"), None),
    "api_pages:webhook_disable": (("get", "post"), "webhook"),
}
# Pages of one person's object that other members holding the capability may not open: the matrix's application is
# the candidate persona's, at the headteacher persona's school, with the broker and approver on its panel, so the
# system leader persona (who may apply, and so open applications) is not involved in it and gets the same 404 as
# for a missing one.
NOT_THEIRS: dict[str, set[str]] = {
    name: {Role.SYSTEM_LEADER} for name in (
        "leadership:application", "leadership:application_edit", "leadership:application_check",
        "leadership:application_withdraw")
}
# A place is seen only by its participant, its school's heads and the steering group (and programme managers): the
# system leader and LA officer personas, who may open places, get the same 404 as for a missing one.
NOT_THEIRS.update({name: {Role.SYSTEM_LEADER, Role.LA_OFFICER} for name in (
    "programmes:place", "programmes:place_take", "programmes:place_turn_down", "programmes:place_withdraw")})
# A participant sees only the programmes and cohorts they hold a place on: the matrix's programme and cohort are not.
for _name in ("programmes:programme", "programmes:cohort"):
    NOT_THEIRS[_name] = NOT_THEIRS.get(_name, set()) | {Role.PARTICIPANT}
# Programme delivery: the matrix's place is the participant persona's, at the headteacher persona's school, on a cohort
# the system leader persona facilitates. Its evaluation is the participant's alone, the school's impact its head's,
# the certificate theirs and the steering group's, and the participants page the facilitators' and steering group's.
NOT_THEIRS |= {
    "programmes:evaluation": {Role.SYSTEM_LEADER, Role.HEADTEACHER},
    "programmes:evaluation_check": {Role.SYSTEM_LEADER, Role.HEADTEACHER},
    "programmes:school_impact": {Role.SYSTEM_LEADER, Role.PARTICIPANT},
    "programmes:certificate": {Role.SYSTEM_LEADER, Role.LA_OFFICER},
    "programmes:cohort_participants": {Role.HEADTEACHER, Role.LA_OFFICER, Role.PARTICIPANT},
}
# Schools are shared reference data: their URLs take a URN, and "the other partnership's object" is
# its PartnershipSchool row, whose notes and membership must never show or change from here.
SHARED_REFERENCE = {"school"}

# Allowed GETs that redirect because the matrix's objects are not in the state the page is for (a sent request
# has no draft steps to edit, a proposed deployment cannot be paused or visited, a visit nobody disputed has
# nothing to settle): each goes back to its object's page. A notification opens its link. Every other allowed
# GET must render (200).
REDIRECTED_GETS: dict[str, tuple[str, str]] = {
    "deployments:request_needs": ("deployments:request", "request"),
    "deployments:request_context": ("deployments:request", "request"),
    "deployments:request_timing": ("deployments:request", "request"),
    "deployments:request_funding": ("deployments:request", "request"),
    "deployments:request_check": ("deployments:request", "request"),
    "deployments:request_delete": ("deployments:request", "request"),  # sent: no longer a draft
    "tenant:member_deactivate": ("tenant:member", "membership"),  # the matrix's member is the admin themself
    "deployments:request_propose": ("deployments:request", "request"),  # no leader has accepted yet
    "deployments:review_answer": ("deployments:review", "review"),  # not written yet
    "deployments:visit_new": ("deployments:deployment", "deployment"),
    "deployments:visit_resolve": ("deployments:deployment", "deployment"),
    "deployments:visit_edit": ("deployments:deployment", "deployment"),  # the deployment is not under way
    "deployments:visit_delete": ("deployments:deployment", "deployment"),
    "deployments:deployment_pause": ("deployments:deployment", "deployment"),
    "deployments:deployment_resume": ("deployments:deployment", "deployment"),
    "deployments:deployment_stop": ("deployments:deployment", "deployment"),
    "deployments:deployment_complete": ("deployments:deployment", "deployment"),
    # A proposed deployment takes no change yet, and a change waiting for approval is not the school's to decline.
    "deployments:variation_new": ("deployments:deployment", "deployment"),
    "deployments:variation_decline": ("deployments:deployment", "deployment"),
    # The matrix's catalogue is published: its details, services and publishing no longer change, and its
    # published service is withdrawn rather than removed.
    "programmes:catalogue_edit": ("programmes:catalogue", "catalogue"),
    "programmes:catalogue_publish": ("programmes:catalogue", "catalogue"),
    "programmes:service_new": ("programmes:catalogue", "catalogue"),
    "programmes:service_remove": ("programmes:catalogue", "catalogue"),
    # The matrix's order has been sent and is not yet confirmed: no draft to change, nothing to cancel.
    "programmes:order_edit": ("programmes:order", "order"),
    "programmes:order_check": ("programmes:order", "order"),
    "programmes:order_cancel": ("programmes:order", "order"),
    "programmes:order_line_cancel": ("programmes:order", "order"),
    # The matrix's programme is published and its cohort open.
    "programmes:programme_publish": ("programmes:programme", "programme"),
    "programmes:cohort_open": ("programmes:cohort", "cohort"),
    # The participant has not answered the evaluation yet: there is nothing to check.
    "programmes:evaluation_check": ("programmes:evaluation", "dl_place"),
    # The matrix's round is published and its application endorsed, with no scores yet: no draft to change, nothing
    # to endorse, decide or send back.
    "leadership:round_edit": ("leadership:round", "round"),
    "leadership:application_edit": ("leadership:application", "application"),
    "leadership:application_check": ("leadership:application", "application"),
    "leadership:application_withdraw": ("leadership:application", "application"),
    "leadership:application_endorse": ("leadership:application", "application"),
    "leadership:application_decide": ("leadership:application", "application"),
    "leadership:application_send_back": ("leadership:application", "application"),
    # The matrix's place is withdrawn: nothing to endorse, decide, turn down or withdraw.
    "programmes:place_endorse": ("programmes:place", "pl_place"),
    "programmes:place_decline": ("programmes:place", "pl_place"),
    "programmes:place_turn_down": ("programmes:place", "pl_place"),
    "programmes:place_withdraw": ("programmes:place", "pl_place"),
}

POST_DATA = {"decision": "no", "urn": "139087", "is_member": "no", "notes": "changed", "action": "delete", "name": "Changed",
             "group": "teaching", "designation": "NLE", "designated_on": "1/9/2024", "status": "paused",
             "home_school": "139087", "capacity_days_per_term": "3", "kind": "triad", "academic_year": "2026-27",
             "lead": "139087", "email": "someone@example.org", "role": Role.ADMIN, "reason": "x", "alliance_label": "Hub",
             "offer_expiry_days": 5, "review_due_school_days": 5, "label_sle": "a", "label_lle": "b",
             "label_nle": "c", "label_nlg": "d"}


def _url(name, partnership, objects):
    methods, key = MATRIX[name]
    kwargs = {"partnership_slug": partnership.slug}
    if key == "school":
        kwargs["urn"] = objects[key].urn
    elif key:
        kwargs["pk"] = objects[key].pk
    return reverse(name, kwargs=kwargs)


def _tenant_url_names() -> set[str]:
    names = set()

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern) and "<slug:partnership_slug>" in route:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "", "")
    return names


def test_every_tenant_url_is_in_the_isolation_matrix():
    names = _tenant_url_names()
    assert names, "no tenant URLs found: the walk is broken"
    missing = names - set(MATRIX)
    assert not missing, f"Add these tenant URLs to the isolation matrix: {sorted(missing)}"
    stale = set(MATRIX) - names
    assert not stale, f"The matrix names URLs that no longer exist: {sorted(stale)}"


@pytest.mark.scoped
@pytest.mark.django_db
def test_every_tenant_model_refuses_queries_outside_a_scope():
    tenant_models = [
        model for model in apps.get_models()
        if any(field.name == "partnership" for field in model._meta.get_fields())
    ]
    assert {Membership, Invitation, AuditEvent, Notification} <= set(tenant_models)
    for model in tenant_models:
        assert issubclass(model, PartnershipOwned), f"{model.__name__} must inherit PartnershipOwned"
        with pytest.raises(ScopeError):
            list(model.objects.all())
        partnership_field = model._meta.get_field("partnership")
        assert not partnership_field.null, f"{model.__name__}.partnership must be non-null"


def _world():
    """Both partnerships, the personas, the outsider and one of each tenant object on each side, as the conftest
    fixtures and `_objects` make them."""
    partnership = make_partnership()
    other_partnership = make_other_partnership()
    personas = make_personas(partnership)
    outsider = make_member(other_partnership, Role.ADMIN)
    mine = _objects(partnership, personas[Role.ADMIN], leader_user=personas[Role.SYSTEM_LEADER].user,
                    panel=[personas[Role.BROKER].user, personas[Role.APPROVER].user],
                    candidate=personas[Role.CANDIDATE].user, participant=personas[Role.PARTICIPANT].user)
    theirs = _objects(other_partnership, outsider)
    # What each partnership holds as every test starts (its savepoint starts from these rows): the cases compare
    # what they leave with it, instead of each reading all of it twice.
    at_start = {partnership.pk: _snapshot(partnership), other_partnership.pk: _snapshot(other_partnership)}
    return {"partnership": partnership, "other_partnership": other_partnership, "personas": personas,
            "outsider": outsider, "mine": mine, "theirs": theirs, "at_start": at_start}


@pytest.fixture(scope="module")
def _shared_world(django_db_setup, django_db_blocker):
    """The matrix's thousands of cases read the same objects: built once for the module, each test running in a
    savepoint inside its transaction (tests/shared_data.py), so a case costs only its requests."""
    yield from shared_test_data(django_db_blocker, _world)


@pytest.fixture
def world(_shared_world, db):
    return fresh_copy(_shared_world)


# The conftest fixtures, over the shared world: the same partnerships and personas, made once.
@pytest.fixture
def partnership(world):
    return world["partnership"]


@pytest.fixture
def other_partnership(world):
    return world["other_partnership"]


@pytest.fixture
def personas(world):
    return world["personas"]


@pytest.fixture
def broker(world):
    return world["personas"][Role.BROKER]


@pytest.fixture
def outsider(world):
    return world["outsider"]


@pytest.fixture
def my_side(world):
    """One of each tenant object in the partnership the personas belong to."""
    return world["mine"]


@pytest.fixture
def their_side(world):
    """One of each tenant object in the other partnership."""
    return world["theirs"]


@pytest.fixture
def both_sides(world):
    return world["mine"], world["theirs"]


def _snapshot(partnership):
    from alliances.models import Alliance, Cluster, PartnershipSchool, Specialism, SystemLeader
    from deployments.models import CapacityEntry, Deployment, Offer, Review, SupportRequest, Variation, Visit, Watch
    from leadership.models import (
        Application,
        ConsentWithdrawal,
        InductionTick,
        Nomination,
        PanelMember,
        RecruitmentRound,
        RoundInvitation,
        Score,
    )
    from portal.calendar.models import CalendarPeriod, CalendarYear
    from programmes.models import (
        Catalogue,
        ChargeLine,
        Cohort,
        Entitlement,
        Facilitator,
        Order,
        OrderLine,
        Place,
        Programme,
        SchoolYearCharges,
        Service,
        Session,
    )

    with scopes_disabled():
        return (
            list(Order.objects.filter(partnership=partnership).values_list("pk", "status", "purchase_order")),
            list(OrderLine.objects.filter(partnership=partnership).values_list("pk", "status", "quantity")),
            list(Service.objects.filter(partnership=partnership).values_list("pk", "sold")),
            ChargeLine.objects.filter(partnership=partnership).count(),
            # The sums kept from the charge lines by triggers: a write the lines' count misses would show here.
            list(SchoolYearCharges.objects.filter(partnership=partnership).order_by("pk").values_list(
                "school_id", "financial_year", "academic_year", "service_id", "charged", "charge_lines", "credited",
                "credit_lines")),
            Entitlement.objects.filter(partnership=partnership).count(),
            list(Offer.objects.filter(partnership=partnership).values_list("pk", "status", "response_note")),
            list(Deployment.objects.filter(partnership=partnership).values_list("pk", "status", "status_note",
                                                                              "head_confirmed_at", "decision_note")),
            list(Visit.objects.filter(partnership=partnership).values_list("pk", "status", "dispute_reason")),
            list(Review.objects.filter(partnership=partnership).values_list("pk", "status", "overall_progress",
                                                                          "head_comments")),
            list(Variation.objects.filter(partnership=partnership).values_list("pk", "status", "close_note",
                                                                             "head_confirmed_at", "decision_note")),
            CapacityEntry.objects.filter(partnership=partnership).count(),
            Watch.objects.filter(partnership=partnership).count(),
            list(PartnershipSchool.objects.filter(partnership=partnership).values_list("school_id", "is_member", "notes")),
            list(SystemLeader.objects.filter(partnership=partnership).values_list("pk", "name", "designation", "status")),
            list(Cluster.objects.filter(partnership=partnership).values_list("pk", "name", "notes")),
            list(Alliance.objects.filter(partnership=partnership).values_list("pk", "name")),
            list(Specialism.objects.filter(partnership=partnership).values_list("pk", "name", "is_retired")),
            list(CalendarPeriod.objects.filter(partnership=partnership).values_list("pk", "name", "start", "end")),
            list(CalendarYear.objects.filter(partnership=partnership).values_list("academic_year", "provisional")),
            list(SupportRequest.objects.filter(partnership=partnership).values_list("pk", "status", "context")),
            list(Membership.objects.filter(partnership=partnership).values_list("pk", "role", "is_active").order_by("pk")),
            list(Invitation.objects.filter(partnership=partnership).values_list("pk", "revoked_at", "accepted_at").order_by("pk")),
            list(Notification.objects.filter(partnership=partnership).values_list("pk", "read_at").order_by("pk")),
            AuditEvent.objects.filter(partnership=partnership).count(),
            list(ApiToken.objects.filter(partnership=partnership).values_list("pk", "revoked_at", "scopes")),
            list(WebhookEndpoint.objects.filter(partnership=partnership).values_list("pk", "is_active", "url")),
            list(Catalogue.objects.filter(partnership=partnership).values_list("pk", "status", "title").order_by("pk")),
            list(Service.objects.filter(partnership=partnership).values_list("pk", "status", "name", "member_price")
                 .order_by("pk")),
            Entitlement.objects.filter(partnership=partnership).count(),
            partnership.__class__.objects.filter(pk=partnership.pk).values_list("alliance_label", "offer_expiry_days").get(),
            list(RecruitmentRound.objects.filter(partnership=partnership).values_list("pk", "status", "title")),
            list(Application.objects.filter(partnership=partnership).values_list("pk", "status", "outcome", "school_id")),
            list(PanelMember.objects.filter(partnership=partnership).values_list("round_id", "user_id").order_by("pk")),
            Score.objects.filter(partnership=partnership).count(),
            Nomination.objects.filter(partnership=partnership).count(),
            RoundInvitation.objects.filter(partnership=partnership).count(),
            InductionTick.objects.filter(partnership=partnership).count(),
            ConsentWithdrawal.objects.filter(partnership=partnership).count(),
            list(SystemLeader.objects.filter(partnership=partnership).values_list("pk", "release_consent_by")),
            list(Programme.objects.filter(partnership=partnership).values_list("pk", "status", "title")),
            list(Cohort.objects.filter(partnership=partnership).values_list("pk", "status", "name", "places")),
            list(Session.objects.filter(partnership=partnership).values_list("pk", "date", "title").order_by("pk")),
            list(Facilitator.objects.filter(partnership=partnership).values_list("pk", "name").order_by("pk")),
            list(Place.objects.filter(partnership=partnership).values_list("pk", "status", "user").order_by("pk")),
            list(Cohort.objects.filter(partnership=partnership).values_list("pk", "taken", "places")),
        )


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_outsider_gets_404_on_every_method(client, name, partnership, my_side, outsider, world):
    mine = my_side
    before = world["at_start"][partnership.pk]
    client.force_login(outsider.user)
    url = _url(name, partnership, mine)
    for method in ("get", "post", "put", "patch", "delete", "head"):
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code}"
    assert _snapshot(partnership) == before


@pytest.mark.parametrize("name", sorted(n for n, (_, key) in MATRIX.items() if key and key not in SHARED_REFERENCE))
@pytest.mark.parametrize("role", list(Role))
def test_members_cannot_reach_the_other_partnerships_objects(client, name, role, personas, other_partnership, their_side,
                                                            world):
    theirs = their_side
    member = personas[role]
    before = world["at_start"][other_partnership.pk]
    client.force_login(member.user)
    # The other partnership's object id, under this member's own partnership slug.
    methods, key = MATRIX[name]
    url = reverse(name, kwargs={"partnership_slug": member.partnership.slug, "pk": theirs[key].pk})
    capable = member.can(resolve(url).func.capability)
    for method in methods:
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        got = f"{role} {method.upper()} {url} gave {response.status_code}"
        if capable:
            # The view runs for this role, so only the lookup in this member's partnership can stop it.
            assert response.status_code == 404, got
        else:
            assert response.status_code in (403, 404), got
    assert _snapshot(other_partnership) == before


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_pages_and_403_for_the_rest(client, name, role, personas, partnership, my_side):
    """Every method of every tenant URL: 403 exactly when the role lacks the view's capability."""
    mine = my_side
    member = personas[role]
    client.force_login(member.user)
    methods, key = MATRIX[name]
    objects = dict(mine)
    # The member's own notification, so the notification URL is theirs to open.
    if key == "notification":
        objects["notification"] = NotificationFactory(partnership=partnership, recipient=member.user, title="Welcome")
    url = _url(name, partnership, objects)
    capability = resolve(url).func.capability
    for method in methods:
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        got = f"{role} {method.upper()} {name} gave {response.status_code} {response.get('Location', '')}"
        if not member.can(capability):
            assert response.status_code == 403, got
        elif role in NOT_THEIRS.get(name, ()):
            assert response.status_code == 404, got
        elif method == "get" and name == "tenant:notification":
            assert (response.status_code, response["Location"]) == (302, objects["notification"].link), got
        elif method == "get" and name in REDIRECTED_GETS:
            target, target_key = REDIRECTED_GETS[name]
            expected = reverse(target, kwargs={"partnership_slug": partnership.slug, "pk": objects[target_key].pk})
            # A page may send the member to a section of its object's page (#changes).
            assert (response.status_code, response["Location"].partition("#")[0]) == (302, expected), got
        elif method == "get":
            assert response.status_code == 200, got
        else:
            # A POST either shows the form again with its errors or, done, goes to a page of this partnership
            # (never to sign-in, never out of the partnership).
            assert response.status_code in (200, 302), got
            if response.status_code == 302:
                assert response["Location"].startswith(f"/p/{partnership.slug}/"), got


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_visitors_are_sent_to_sign_in_without_learning_anything(client, name, partnership, my_side):
    mine = my_side
    url = _url(name, partnership, mine)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # An unknown partnership redirects the same way: the redirect reveals nothing.
    unknown = client.get(url.replace(f"/p/{partnership.slug}/", "/p/no-such-partnership/"))
    assert unknown.status_code == 302
    assert unknown["Location"].startswith(reverse("account_login"))


def test_unknown_slug_and_non_member_get_the_same_404(client, partnership, outsider):
    client.force_login(outsider.user)
    not_member = client.get(f"/p/{partnership.slug}/")
    unknown = client.get("/p/no-such-partnership/")
    assert not_member.status_code == unknown.status_code == 404
    # The same page, byte for byte, but for the CSP nonce every response has its own of.
    def without_nonce(response):
        return re.sub(rb'nonce="[^"]*"', b'nonce=""', response.content)

    assert without_nonce(not_member) == without_nonce(unknown)


def test_a_deactivated_membership_gets_404(client, broker):
    broker.is_active = False
    broker.save()
    client.force_login(broker.user)
    assert client.get(f"/p/{broker.partnership.slug}/").status_code == 404


def test_an_inactive_partnership_gets_404(client, broker):
    broker.partnership.is_active = False
    broker.partnership.save()
    client.force_login(broker.user)
    assert client.get(f"/p/{broker.partnership.slug}/").status_code == 404


def test_a_user_in_both_partnerships_sees_each_only_under_its_own_slug(client, partnership, other_partnership):
    from bs4 import BeautifulSoup

    member = make_member(partnership, Role.HEADTEACHER)
    make_member(other_partnership, Role.HEADTEACHER, user=member.user)
    NotificationFactory(partnership=partnership, recipient=member.user, title="Cambridgeshire only")
    theirs = NotificationFactory(partnership=other_partnership, recipient=member.user, title="Ealing only",
                                 link="/p/ealing/requests/")
    client.force_login(member.user)
    assert client.get(f"/p/{partnership.slug}/notifications/{theirs.pk}/").status_code == 404
    opened = client.get(f"/p/{other_partnership.slug}/notifications/{theirs.pk}/")
    assert (opened.status_code, opened["Location"]) == (302, "/p/ealing/requests/")
    page = client.get(f"/p/{partnership.slug}/notifications/")
    assert page.status_code == 200
    text = BeautifulSoup(page.content, "html.parser").main.get_text(" ", strip=True)
    assert "Cambridgeshire only" in text and "Ealing only" not in text


@pytest.mark.parametrize("role", [Role.BROKER, Role.ADMIN, Role.APPROVER, Role.LA_OFFICER])
def test_a_school_page_never_shows_or_changes_the_other_partnerships_relationship(
    client, role, personas, partnership, other_partnership, both_sides
):
    import csv
    import io

    from alliances.models import PartnershipSchool

    member = personas[role]
    before = _snapshot(other_partnership)
    client.force_login(member.user)
    response = client.get(f"/p/{partnership.slug}/schools/139087/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Histon and Impington Junior School" in page
    assert "Private note of ealing" not in page
    assert "Leader of ealing" not in page and "Cluster of ealing" not in page and "Alliance of ealing" not in page
    saved = client.post(f"/p/{partnership.slug}/schools/139087/partnership/", {"is_member": "no", "notes": "mine"})
    if member.can("directory.manage"):
        # The write happened, and in this partnership's row only.
        assert (saved.status_code, saved["Location"]) == (302, f"/p/{partnership.slug}/schools/139087/")
        with scopes_disabled():
            assert PartnershipSchool.objects.get(partnership=partnership, school_id="139087").notes == "mine"
    else:
        assert saved.status_code == 403
    # Each export lists this partnership's rows (so an empty export cannot pass) and none of the other's.
    for export, ours in (("schools", "Histon and Impington Junior School"), ("system-leaders", "Leader of cambridgeshire"),
                         ("clusters", "Cluster of cambridgeshire")):
        response = client.get(f"/p/{partnership.slug}/{export}/export.csv")
        assert response.status_code == 200, export
        csv_rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert ours in {cell for row in csv_rows[1:] for cell in row}, export
        assert "ealing" not in str(csv_rows).lower(), export
    assert _snapshot(other_partnership) == before


def _make_it_count(partnership, objects, score):
    """Turn a side's objects into figures the dashboard counts: a request sent and an active, ledgered, reviewed
    deployment this year (the matrix's own objects are left as they are for the other tests)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from deployments.models import Deployment, Review, SupportRequest, Visit

    sent = datetime(2026, 9, 10, 10, tzinfo=ZoneInfo("Europe/London"))
    SupportRequest.objects.filter(pk=objects["request"].pk).update(submitted_at=sent, status="matched")
    objects["request"].needs.set([objects["specialism"]], through_defaults={"partnership": partnership})
    Deployment.objects.filter(pk=objects["deployment"].pk).update(status="active", decided_at=sent)
    Visit.objects.filter(pk=objects["visit"].pk).update(status="confirmed")
    CapacityEntryFactory(deployment=objects["deployment"], term_key="2026-27 autumn", days=3)
    Review.objects.filter(pk=objects["review"].pk).update(status="agreed", impact_score=score)


@pytest.mark.parametrize("role", [Role.BROKER, Role.ADMIN, Role.APPROVER, Role.LA_OFFICER])
def test_dashboards_and_their_exports_never_show_the_other_partnerships_figures(client, role, personas, both_sides,
                                                                               partnership, other_partnership):
    import io

    import openpyxl
    from bs4 import BeautifulSoup

    mine, theirs = both_sides
    with scopes_disabled():
        _make_it_count(partnership, mine, 9)
        _make_it_count(other_partnership, theirs, 2)  # same school: only the partnership tells them apart
    member = personas[role]
    client.force_login(member.user)
    base = f"/p/{member.partnership.slug}/dashboards"
    page = client.get(f"{base}/?year=2026-27")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    breakdown = soup.find(id="table-breakdown").find_parent("section").select("tbody tr")
    # One request, one deployment, 3 days committed, 1 delivered and an impact of 9.0: this partnership's alone.
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in breakdown] == [
        ["Cambridgeshire", "1", "1", "1", "0", "3", "1", "0", "9.0"]]
    bodies = [page.content.decode()]
    for table in ("breakdown", "requests", "deployments", "reviews", "rag", "impact", "capacity", "terms"):
        response = client.get(f"{base}/export.csv?year=2026-27&table={table}")
        assert response.status_code == 200, table
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert len(body.strip().splitlines()) >= 2, f"{table}: a header and no rows"  # an empty export proves nothing
        bodies.append(body)
        response = client.get(f"{base}/export.xlsx?year=2026-27&table={table}")
        assert response.status_code == 200, table
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row >= 2, f"{table}: a header and no rows"
        bodies.append(str([[cell.value for cell in row] for row in sheet.iter_rows()]))
    # This partnership's own figures are in the exports: the breakdown names its LA, the requests its specialism.
    assert "Cambridgeshire" in bodies[1] and "Maths cambridgeshire" in bodies[3]
    for body in bodies:
        assert "ealing" not in body.lower()
        assert "Private" not in body
    requests = soup.find(id="table-requests").find_parent("section").select("tbody tr")
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in requests] == [
        ["Maths cambridgeshire", "0", "0", "0", "1", "0", "0", "0", "1"]]  # matched, its deployment under way
