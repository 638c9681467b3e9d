"""The notifications the programmes app sends (catalogue and orders, places, delivery), registered from its
AppConfig.ready() with portal.notifications.events.register_events."""

from __future__ import annotations

from portal.notifications.events import EventType

EVENTS = [
    EventType(
        key="programmes.order_window",
        label="The catalogue is open for orders",
        description="When a catalogue's order window opens and two weeks before it closes, while your school has "
                    "not ordered (headteachers).",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.order_waiting",
        label="An order is waiting for a decision",
        description="When a school's order has waited more than three days (brokers).",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.entitlement_unused",
        label="An entitlement is still unused",
        description="At the spring half term, days a school holds and has not used (headteachers and brokers).",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.balance_low",
        label="An entitlement is running low",
        description="When half a day or less is left while agreed support still has visits to come "
                    "(headteachers and brokers).",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.session_soon",
        label="A programme session is coming up",
        description="A week and a day before a session of a cohort you take part in or facilitate.",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.register_overdue",
        label="A session's register has not been taken",
        description="From the next school day after a session whose register nobody took (facilitators, brokers).",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.evaluation_due",
        label="Your programme evaluation is waiting",
        description="A week after a cohort's last session, while you have not returned your evaluation.",
        template="programmes-reminder",
    ),
    EventType(
        key="programmes.school_impact_due",
        label="Say what a programme did for your school",
        description="A term after a cohort ends, for each of your staff who took part (headteachers).",
        template="programmes-reminder",
    ),
    EventType(key="place.nominated", label="A place on a programme waits for a decision", template="brokerage",
              description="When a headteacher nominates, or endorses an application for, a place on a cohort (steering group)."),
    EventType(key="place.applied", label="A member of staff applied for a programme place", template="brokerage",
              description="When someone at your school applies for a place on a cohort and needs your endorsement (headteachers)."),
    EventType(key="place.endorsed", label="An application for a programme place was endorsed, or not", template="brokerage",
              description="The headteacher's answer to an application for a place, with the reason when not endorsed (the applicant)."),
    EventType(key="place.decided", label="A programme place was accepted, declined or waitlisted", template="brokerage",
              description="The steering group's decision on a place, with the reason for a decline (the person and their headteachers)."),
    EventType(key="place.offered", label="A place on a programme is offered from the waitlist", template="brokerage",
              description="When a place frees and the next person on the waitlist is offered it, with the deadline (the person and their headteachers)."),
    EventType(key="place.withdrawn", label="A programme place was withdrawn, or an offer turned down or lapsed", template="brokerage",
              description="When a place is withdrawn or an offer ends unanswered (the person, their headteachers and the steering group)."),
    EventType(key="place.offer_lapsing", label="An offer of a programme place is about to lapse", template="brokerage",
              description="Two days before an offer from the waitlist lapses, once (the person and their headteachers)."),
]
