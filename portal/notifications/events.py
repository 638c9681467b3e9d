"""Every kind of notification the portal sends: the portal's own here, and feature apps' through `register_events`.

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
    # Also sent as a text message (GOV.UK Notify) to a user who gave a mobile number and agreed to reminders.
    text_message: bool = False


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
            key="offer.made",
            label="You have been offered a request",
            description="When the steering group asks you to take on a support request (system leaders).",
            template="brokerage",
        ),
        EventType(
            key="offer.accepted",
            label="A system leader accepted an offer",
            description="When a system leader says yes to a request you are brokering (brokers).",
            template="brokerage",
        ),
        EventType(
            key="offer.declined",
            label="A system leader declined an offer",
            description="When a system leader says no to a request, and why (brokers).",
            template="brokerage",
        ),
        EventType(
            key="offer.withdrawn",
            label="An offer to you was withdrawn",
            description="When a request you were offered goes to someone else or is withdrawn (system leaders).",
            template="brokerage",
        ),
        EventType(
            key="offer.expired",
            label="An offer expired without an answer",
            description="When nobody answered an offer in time (brokers and the system leader).",
            template="brokerage",
        ),
        EventType(
            key="deployment.proposed",
            label="A deployment needs approval",
            description="When a broker proposes a deployment (approvers).",
            template="brokerage",
        ),
        EventType(
            key="deployment.decided",
            label="A proposed deployment was approved or not",
            description="The steering group's decision on a deployment, and why (brokers, headteachers and system leaders).",
            template="brokerage",
        ),
        EventType(
            key="deployment.agreed",
            label="A deployment agreement was confirmed",
            description="When the headteacher and the system leader have both confirmed the agreement.",
            template="brokerage",
        ),
        EventType(
            key="deployment.status_changed",
            label="A deployment was paused, resumed, stopped or completed",
            description="When a deployment you are part of changes, and why.",
            template="brokerage",
        ),
        EventType(
            key="variation.proposed",
            label="A change to a deployment needs approval",
            description="When a broker proposes to change an agreed deployment's days, dates, objectives or rate (approvers).",
            template="brokerage",
        ),
        EventType(
            key="variation.changed",
            label="A change to a deployment you are part of",
            description="When you are asked to confirm a change to a deployment, and when a change is agreed, declined "
                        "or withdrawn.",
            template="brokerage",
        ),
        EventType(
            key="visit.logged",
            label="A visit needs confirming",
            description="When a system leader logs a visit to your school (headteachers).",
            template="brokerage",
        ),
        EventType(
            key="visit.changed",
            label="A visit to confirm was corrected, deleted or voided",
            description="When a system leader corrects or deletes a visit you were asked to confirm, or it is void "
                        "because the deployment closed (headteachers).",
            template="brokerage",
        ),
        EventType(
            key="visit.answered",
            label="A school confirmed or disputed a visit",
            description="The school's answer to a visit you logged; disputes go to the broker too.",
            template="brokerage",
        ),
        EventType(
            key="visit.resolved",
            label="A disputed visit was resolved",
            description="The broker's decision on a disputed visit (system leaders and headteachers).",
            template="brokerage",
        ),
        EventType(
            key="review.reminder",
            label="A termly review is due",
            description="Reminders 14 and 7 days before a review is due and on the day (system leaders).",
            template="brokerage",
            text_message=True,
        ),
        EventType(
            key="review.overdue",
            label="A termly review is overdue",
            description="Three school days after a review was due (system leaders and brokers).",
            template="brokerage",
        ),
        EventType(
            key="review.submitted",
            label="A review needs your agreement",
            description="When a system leader sends a review of support at your school (headteachers).",
            template="brokerage",
        ),
        EventType(
            key="review.answered",
            label="A review was agreed or returned",
            description="The headteacher's answer to a review (system leaders and brokers).",
            template="brokerage",
        ),
        EventType(
            key="offer.reminder",
            label="An offer is about to expire",
            description="Two days before an offer to you expires unanswered (system leaders).",
            template="brokerage",
        ),
        EventType(
            key="deployment.approval_reminder",
            label="A proposal is still waiting for approval",
            description="When a proposed deployment has waited three days (approvers).",
            template="brokerage",
        ),
        EventType(
            key="leader.designation_due",
            label="A designation is due for review",
            description="When a system leader's designation is due for review within 30 days (brokers).",
            template="brokerage",
        ),
        # Quality assurance and designation reviews (leadership.quality) ------------------------------------------
        EventType(
            key="leadership.qa_activity",
            label="A QA activity was recorded about your work",
            description="When your QA group's lead or the steering group records a QA activity for you (system leaders).",
            template="brokerage",
        ),
        EventType(
            key="leadership.designation_outcome",
            label="The outcome of your designation review",
            description="When the steering group redesignates you, extends your review or ends your designation.",
            template="brokerage",
            mandatory=True,
        ),
        EventType(
            key="leadership.designation_review_due",
            label="A designation review is due or overdue",
            description="60 days before a system leader's designation review and once it is overdue (the steering "
                        "group, and the leader).",
            template="brokerage",
        ),
        # The catalogue's reminders (programmes.reminders) ------------------------------------------------------
        # Programme delivery reminders (programmes.delivery.reminders) ---------------------------------------------
        EventType(
            key="catalogue.published",
            label="A catalogue of services is published",
            description="When the partnership publishes its catalogue of services for a year (headteachers of "
                        "member schools).",
            template="brokerage",
        ),
        # Orders of catalogue services (programmes.orders).
        EventType(
            key="order.submitted",
            label="A school sent an order",
            description="When a headteacher sends an order of catalogue services (steering group).",
            template="brokerage",
        ),
        EventType(
            key="order.decided",
            label="Your school's order was confirmed or declined",
            description="The steering group's decision on an order, with the reason for a decline (headteachers).",
            template="brokerage",
        ),
        EventType(
            key="order.withdrawn",
            label="A school withdrew an order",
            description="When a headteacher withdraws an order before it is decided (steering group).",
            template="brokerage",
        ),
        EventType(
            key="order.cancelled",
            label="A confirmed order was cancelled",
            description="When a service on a confirmed order is cancelled and credited (headteachers, steering group).",
            template="brokerage",
        ),
        # Places on programme cohorts (programmes.places).
        # System leadership: recruitment, applications, the panel and release consent (leadership.recruitment).
        EventType(
            key="recruitment.invited",
            label="You are invited to apply to a recruitment round",
            description="When the steering group asks you to apply to be designated a system leader.",
            template="brokerage",
        ),
        EventType(
            key="application.submitted",
            label="An application asks for your endorsement",
            description="When someone at your school applies to be a system leader (headteachers).",
            template="brokerage",
        ),
        EventType(
            key="application.endorsed",
            label="An application was endorsed, or not",
            description="When a headteacher endorses an application (the round's panel) or does not (the candidate).",
            template="brokerage",
        ),
        EventType(
            key="application.proposed",
            label="A panel decision waits for a second member",
            description="When four-eyes decisions are on and another panel member proposes a decision.",
            template="brokerage",
        ),
        EventType(
            key="application.decided",
            label="The panel decided your application",
            description="The outcome of your application to a recruitment round, with the panel's feedback.",
            template="brokerage",
            mandatory=True,
        ),
        EventType(
            key="consent.withdrawn",
            label="A headteacher withdrew release consent",
            description="When a system leader's home school withdraws consent for future deployments (steering group).",
            template="brokerage",
        ),
        EventType(
            key="consent.given",
            label="A headteacher gave release consent",
            description="When a system leader's home school gives consent for deployments again (steering group).",
            template="brokerage",
        ),
        EventType(
            key="recruitment.closing",
            label="A recruitment round is closing",
            description="A few days before a round closes, while your application is still a draft.",
            template="brokerage",
        ),
        EventType(
            key="recruitment.scoring_due",
            label="Applications wait for your scores",
            description="After a round closes, endorsed applications you have not scored yet (panel members).",
            template="brokerage",
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


def register_events(*events: EventType) -> None:
    """Called from a feature app's AppConfig.ready(): the notification kinds it sends, declared in its own module
    (programmes/events.py) beside the portal's. A key is declared once."""
    for event in events:
        if EVENTS.get(event.key, event) != event:
            raise ValueError(f"The notification event {event.key!r} is declared twice, differently.")
        EVENTS[event.key] = event


def get_event(key: str) -> EventType:
    try:
        return EVENTS[key]
    except KeyError:
        raise KeyError(f"Unknown notification event {key!r}; add it to portal.notifications.events.") from None


def configurable_events() -> list[EventType]:
    return [event for event in EVENTS.values() if not event.mandatory]
