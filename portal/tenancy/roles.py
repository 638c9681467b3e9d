"""Roles and what each may do: the one place that answers `membership.can("...")`."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    HEADTEACHER = "headteacher", "Headteacher"
    SYSTEM_LEADER = "system_leader", "System leader"
    BROKER = "broker", "Broker"
    APPROVER = "approver", "Approver"
    LA_OFFICER = "la_officer", "LA officer"
    ADMIN = "admin", "Partnership admin"
    CANDIDATE = "candidate", "Candidate"
    PARTICIPANT = "participant", "Programme participant"


ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.HEADTEACHER: "Asks for support for their school, follows its requests and deployments, agrees reviews.",
    Role.SYSTEM_LEADER: "Answers offers, delivers support, logs visits and writes termly reviews.",
    Role.BROKER: "Triages requests, matches system leaders, proposes and tracks deployments.",
    Role.APPROVER: "Approves or rejects proposed deployments for the steering group.",
    Role.LA_OFFICER: "Reads dashboards and lists for schools in their local authorities.",
    Role.ADMIN: "Manages members, invitations and the partnership's settings.",
    Role.CANDIDATE: "Applies to a recruitment round they were invited to and follows only their own applications.",
    Role.PARTICIPANT: "Takes part in the programmes they hold a place on: sees only their own places, sessions, "
                      "evaluations and certificates.",
}

# Staff roles must sign in with two-factor authentication (DESIGN.md section 3).
MFA_REQUIRED_ROLES = frozenset({Role.BROKER, Role.APPROVER, Role.LA_OFFICER, Role.ADMIN})
STEERING_GROUP_ROLES = frozenset({Role.BROKER, Role.APPROVER})
ALL_ROLES = frozenset(Role)
# People the partnership gives a narrow account for one purpose: candidates (a recruitment round) and programme
# participants (their own places). They see none of the partnership's notes, contacts, directory or recruitment.
NARROW_ROLES = frozenset({Role.CANDIDATE, Role.PARTICIPANT})

CAPABILITIES: dict[str, frozenset[str]] = {
    # Everyone who belongs to the partnership.
    "partnership.view": ALL_ROLES,
    "notifications.view": ALL_ROLES,
    "calendar.feed": ALL_ROLES,  # a private calendar feed of what concerns the member
    # Headteachers, for their own schools.
    "requests.create": frozenset({Role.HEADTEACHER}),
    "requests.view": STEERING_GROUP_ROLES | {Role.HEADTEACHER, Role.ADMIN},
    "reviews.agree": frozenset({Role.HEADTEACHER}),
    "visits.confirm": frozenset({Role.HEADTEACHER}),
    # System leaders, for their own offers and deployments.
    "offers.respond": frozenset({Role.SYSTEM_LEADER}),
    "visits.log": frozenset({Role.SYSTEM_LEADER}),
    "reviews.write": frozenset({Role.SYSTEM_LEADER}),
    "profile.edit_own": frozenset({Role.SYSTEM_LEADER}),
    # The steering group.
    "requests.triage": frozenset({Role.BROKER}),
    "offers.make": frozenset({Role.BROKER}),
    "deployments.propose": frozenset({Role.BROKER}),
    "deployments.manage": frozenset({Role.BROKER}),
    "deployments.approve": frozenset({Role.APPROVER}),
    # Everyone a deployment involves; each sees only their own (schools, leader record, or all for staff).
    "deployments.view": STEERING_GROUP_ROLES | {Role.HEADTEACHER, Role.SYSTEM_LEADER, Role.ADMIN},
    "deployments.confirm": frozenset({Role.HEADTEACHER, Role.SYSTEM_LEADER}),
    "brokerage.view": STEERING_GROUP_ROLES | {Role.ADMIN},
    "directory.manage": frozenset({Role.BROKER, Role.ADMIN}),
    "calendar.manage": frozenset({Role.BROKER, Role.ADMIN}),
    # What LA officers, who oversee from outside the steering group, never see: the steering group's private
    # notes and staff contact details; and they see only the schools in their own local authorities. Candidates (people
    # invited to apply to a recruitment round) see none of the partnership's own notes, contacts or directory either.
    "notes.view": ALL_ROLES - NARROW_ROLES - {Role.LA_OFFICER},
    "contacts.view": ALL_ROLES - NARROW_ROLES - {Role.LA_OFFICER},
    "directory.all_areas": ALL_ROLES - NARROW_ROLES - {Role.LA_OFFICER},
    # The catalogue of services, schools' orders and finance (programmes app). Headteachers order for and see
    # only the schools they lead; LA officers see take-up for their LAs, never a school's spending.
    "catalogue.view": STEERING_GROUP_ROLES | {Role.HEADTEACHER, Role.ADMIN, Role.LA_OFFICER},
    "catalogue.manage": frozenset({Role.BROKER, Role.ADMIN}),
    "orders.create": frozenset({Role.HEADTEACHER}),
    "orders.view": STEERING_GROUP_ROLES | {Role.HEADTEACHER, Role.ADMIN},
    "orders.decide": STEERING_GROUP_ROLES,
    "finance.view": STEERING_GROUP_ROLES | {Role.ADMIN},
    "takeup.view": STEERING_GROUP_ROLES | {Role.ADMIN, Role.LA_OFFICER},
    # Quality assurance of system leaders (leadership.quality). A system leader sees their own QA, and a QA group's
    # lead records it for the leaders in their group; the steering group sees and records it for everyone and
    # decides designation reviews. LA officers see only the reports, and never impact (steering group only).
    "quality.view": STEERING_GROUP_ROLES | {Role.SYSTEM_LEADER},
    "quality.lead": frozenset({Role.SYSTEM_LEADER}),
    "quality.manage": STEERING_GROUP_ROLES,
    "quality.framework": frozenset({Role.BROKER, Role.ADMIN}),
    "designation.decide": STEERING_GROUP_ROLES,
    "leadership.reports": STEERING_GROUP_ROLES | {Role.ADMIN, Role.LA_OFFICER},
    "leadership.impact": STEERING_GROUP_ROLES,
    # Read-only oversight.
    "directory.view": STEERING_GROUP_ROLES | {Role.ADMIN, Role.LA_OFFICER},
    "dashboards.view": STEERING_GROUP_ROLES | {Role.ADMIN, Role.LA_OFFICER},
    # Administration.
    "members.manage": frozenset({Role.ADMIN}),
    "settings.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    # System leadership: recruitment rounds, applications, panels and designation (leadership.recruitment).
    # Candidates, invited to a round, see published rounds and only their own applications; panel members are
    # steering group members a round names, and see scores only once every one of them has scored.
    "recruitment.view": ALL_ROLES - {Role.LA_OFFICER, Role.PARTICIPANT},
    "recruitment.manage": frozenset({Role.BROKER, Role.ADMIN}),
    "recruitment.apply": frozenset({Role.HEADTEACHER, Role.SYSTEM_LEADER, Role.CANDIDATE}),
    "recruitment.endorse": frozenset({Role.HEADTEACHER}),
    "recruitment.panel": STEERING_GROUP_ROLES,
    "applications.view": STEERING_GROUP_ROLES | {Role.HEADTEACHER, Role.SYSTEM_LEADER, Role.ADMIN, Role.CANDIDATE},
    "induction.view": STEERING_GROUP_ROLES | {Role.SYSTEM_LEADER, Role.ADMIN},
    "talent.nominate": frozenset({Role.HEADTEACHER}),
    "talent.view": STEERING_GROUP_ROLES | {Role.ADMIN},
    # Professional development programmes (programmes.courses, issue 14): cohorts, places, registers, evaluations.
    # Participants see only the places they hold; headteachers their schools' staff; facilitators (system leaders)
    # the cohorts they run; LA officers only the reports, for their LAs.
    "programmes.view": ALL_ROLES - {Role.CANDIDATE},
    "programmes.manage": frozenset({Role.BROKER, Role.ADMIN}),
    "places.nominate": frozenset({Role.HEADTEACHER}),
    "places.apply": frozenset({Role.SYSTEM_LEADER, Role.PARTICIPANT}),
    "places.endorse": frozenset({Role.HEADTEACHER}),
    "places.decide": STEERING_GROUP_ROLES,
    "registers.take": frozenset({Role.SYSTEM_LEADER, Role.BROKER, Role.ADMIN}),
    "evaluations.write": frozenset({Role.PARTICIPANT, Role.SYSTEM_LEADER, Role.HEADTEACHER}),
    "programmes.reports": STEERING_GROUP_ROLES | {Role.ADMIN, Role.LA_OFFICER},
    # Integrations (the api app): read-only API tokens and outgoing webhooks.
    "api.manage": frozenset({Role.ADMIN}),
}


def role_can(role: str, capability: str) -> bool:
    """True when `role` has `capability`. An unknown capability is a programming error, so it raises."""
    try:
        allowed = CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"Unknown capability {capability!r}; add it to portal.tenancy.roles.CAPABILITIES.") from None
    return role in allowed


def capabilities_of(role: str) -> frozenset[str]:
    return frozenset(capability for capability, roles in CAPABILITIES.items() if role in roles)
