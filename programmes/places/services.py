"""Places on a cohort: who is involved, who may do what, and how people are told.

applied -> nominated (endorsed by the head) | not_endorsed; nominated -> accepted | waitlisted (the cohort is
full) | declined; waitlisted -> offered (a place freed) -> accepted | lapsed; any live place -> withdrawn.
The state changes themselves are in programmes.places.transitions.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from alliances.models import SystemLeader
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import STEERING_GROUP_ROLES
from portal.tenancy.selectors import active_members, heads_of_schools
from programmes.models import CancellationRule, Cohort, CohortStatus, Place, PlaceStatus

S = PlaceStatus
PLACE_MOVES = {
    S.APPLIED: (S.NOMINATED, S.NOT_ENDORSED, S.WITHDRAWN),
    S.NOMINATED: (S.ACCEPTED, S.WAITLISTED, S.DECLINED, S.WITHDRAWN),
    S.WAITLISTED: (S.OFFERED, S.WITHDRAWN),
    S.OFFERED: (S.ACCEPTED, S.LAPSED, S.WITHDRAWN),
    S.ACCEPTED: (S.WITHDRAWN,),
}
WITHDRAWABLE = (S.APPLIED, S.NOMINATED, S.WAITLISTED, S.OFFERED, S.ACCEPTED)
CLOSED = (S.NOT_ENDORSED, S.DECLINED, S.LAPSED, S.WITHDRAWN)


# Who is involved -------------------------------------------------------------------------------------------

def leads_school(actor: Membership, school_id: str) -> bool:
    return actor.can("places.nominate") and actor.schools.filter(pk=school_id).exists()


def is_steering_group(actor: Membership) -> bool:
    return actor.can("places.decide")


def is_theirs(actor: Membership, place: Place) -> bool:
    return place.user_id is not None and place.user_id == actor.user_id


def heads(place: Place) -> list:
    return heads_of_schools(place.partnership, [place.school_id])


def steering_group(partnership) -> list:
    return active_members(partnership, *STEERING_GROUP_ROLES)


def person(place: Place) -> list:
    """The person the place is for: their account once they have one, else their address."""
    return [place.user] if place.user_id else [place.email]


def place_url(place: Place) -> str:
    return reverse("programmes:place", kwargs={"partnership_slug": place.partnership.slug, "pk": place.pk})


def tell(place: Place, event: str, what: str, recipients, subject: str, lines: list[str], *, note: str = "",
         note_label: str = "", action: str = "See the place") -> None:
    seen, unique = set(), []
    for recipient in recipients:
        key = getattr(recipient, "email", recipient).lower()
        if key not in seen:
            seen.add(key)
            unique.append(recipient)
    notify(partnership=place.partnership, event_type=event, recipients=unique, occurrence=f"place:{place.pk}:{what}",
           link=place_url(place), context={"subject": subject, "lines": lines, "note": note, "note_label": note_label,
                                           "action": action})


def home_school_of(actor: Membership):
    """The school a member applies from: a system leader's home school; a participant's school on their place."""
    leader = SystemLeader.objects.filter(partnership=actor.partnership, user=actor.user).select_related(
        "home_school").first()
    if leader:
        return leader.home_school
    place = Place.objects.filter(partnership=actor.partnership, user=actor.user).select_related("school").order_by(
        "-created_at").first()
    return place.school if place else None


# Guards the pages ask --------------------------------------------------------------------------------------

def window_problem(cohort: Cohort, *, today: date) -> str:
    """Why nobody may be nominated for or apply to `cohort` today, or ""."""
    if cohort.status != CohortStatus.OPEN:
        return "This cohort is not open for applications."
    if cohort.applications_open and today < cohort.applications_open:
        return f"Applications for this cohort open on {date_text(cohort.applications_open)}."
    if cohort.applications_close and today > cohort.applications_close:
        return f"Applications for this cohort closed on {date_text(cohort.applications_close)}."
    return ""


def can_endorse(actor: Membership, place: Place) -> bool:
    return place.status == S.APPLIED and actor.can("places.endorse") and leads_school(actor, place.school_id)


def can_decide(actor: Membership, place: Place) -> bool:
    return place.status == S.NOMINATED and is_steering_group(actor)


def can_answer_offer(actor: Membership, place: Place) -> bool:
    return place.status == S.OFFERED and (is_theirs(actor, place) or leads_school(actor, place.school_id))


def can_withdraw(actor: Membership, place: Place) -> bool:
    return place.status in WITHDRAWABLE and (is_theirs(actor, place) or leads_school(actor, place.school_id)
                                             or is_steering_group(actor))


def refund_problem(place: Place, cohort: Cohort, *, today: date) -> str:
    """Why withdrawing an accepted place today is not refunded under the catalogue's rule, or "" when it is.
    Only an accepted place was charged; a cohort without a catalogue service charged nothing."""
    if place.status != S.ACCEPTED or cohort.service_id is None:
        return "Nothing was charged for this place, so there is nothing to refund."
    starts = cohort.starts_on
    catalogue = cohort.service.catalogue
    if starts and today >= starts:
        return f"The cohort started on {date_text(starts)}, so withdrawing now is not refunded."
    if catalogue.cancellation_rule == CancellationRule.NONE:
        return "The partnership's terms give no refund for a place once it is accepted."
    notice = catalogue.cancellation_notice_days
    if starts and catalogue.cancellation_rule == CancellationRule.NOTICE and today > starts - timedelta(days=notice):
        last = starts - timedelta(days=notice)
        return (f"The partnership's terms refund a place only with {notice} days' notice before the cohort starts "
                f"on {date_text(starts)}: the last day was {date_text(last)}, so withdrawing now is not refunded.")
    return ""
