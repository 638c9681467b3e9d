"""Every kind of notification the portal sends. Later issues add theirs here.

Each event has email templates `templates/emails/<template>-subject.txt`, `-body.txt` and
`-body.html`; the subject doubles as the line shown in the in-app notification centre.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    description: str
    template: str
    # Safety- or access-relevant events cannot be turned off or delayed to a digest.
    mandatory: bool = False
    # Sent to an email address that may have no account, so there is no in-app copy.
    email_only: bool = False
    # The link carries a secret (an invitation token): it is wiped from the row once the email is sent.
    secret_link: bool = False


EVENTS: dict[str, EventType] = {
    event.key: event
    for event in [
        EventType(
            key="invitation.sent",
            label="Invitation to join a partnership",
            description="The link to join a partnership, sent to the invited address.",
            template="invitation",
            mandatory=True,
            email_only=True,
            secret_link=True,
        ),
        EventType(
            key="invitation.accepted",
            label="Someone accepted your invitation",
            description="When a person you invited joins the partnership.",
            template="invitation-accepted",
        ),
        EventType(
            key="membership.joined",
            label="You joined a partnership",
            description="A welcome when you join a partnership, with what your role lets you do.",
            template="membership-joined",
        ),
        EventType(
            key="membership.role_changed",
            label="Your role changed",
            description="When a partnership admin changes what you can do in a partnership.",
            template="membership-role-changed",
            mandatory=True,
        ),
        EventType(
            key="request.submitted",
            label="A school asked for support",
            description="When a headteacher sends a support request (brokers).",
            template="request-submitted",
        ),
        EventType(
            key="request.triaged",
            label="The steering group decided on your request",
            description="Whether your school's request was taken on, and why (headteachers).",
            template="request-triaged",
        ),
        EventType(
            key="request.withdrawn",
            label="A school withdrew its request",
            description="When a headteacher withdraws a request they had sent (brokers).",
            template="request-withdrawn",
        ),
        EventType(
            key="membership.deactivated",
            label="Your access was removed",
            description="When a partnership admin removes your access to a partnership.",
            template="membership-deactivated",
            mandatory=True,
            email_only=True,
        ),
    ]
}


def get_event(key: str) -> EventType:
    try:
        return EVENTS[key]
    except KeyError:
        raise KeyError(f"Unknown notification event {key!r}; add it to portal.notifications.events.") from None


def configurable_events() -> list[EventType]:
    return [event for event in EVENTS.values() if not event.mandatory]
