"""Certificates of completion: what a completed place's certificate says, and who may open it (the participant,
their headteacher and the steering group; anyone else gets the same 404 as for a missing one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet

from portal.tenancy.models import Membership
from programmes.delivery.selectors import runs_all_programmes, with_attendance
from programmes.models import Place, PlaceStatus, Session


def certificates_in_view(membership: Membership) -> QuerySet[Place]:
    """Completed places whose certificate this member may open."""
    places = Place.objects.filter(partnership=membership.partnership, status=PlaceStatus.ACCEPTED,
                                  completed_at__isnull=False)
    if runs_all_programmes(membership):
        return places
    mine = Q(user_id=membership.user_id)
    if membership.can("places.nominate"):
        mine |= Q(school__in=membership.schools.all())
    return places.filter(mine)


@dataclass
class Certificate:
    place: Place
    programme: str
    cohort: str
    first_session: date | None
    last_session: date | None
    sessions: int
    attended: int
    completed_at: datetime
    partnership: str


def certificate_for(place_id: int, membership: Membership) -> Certificate | None:
    place = with_attendance(certificates_in_view(membership).filter(pk=place_id)) \
        .select_related("cohort", "cohort__programme", "school").first()
    if place is None:
        return None
    dates = list(Session.objects.filter(cohort_id=place.cohort_id).order_by("date").values_list("date", flat=True))
    return Certificate(place=place, programme=place.cohort.programme.title, cohort=place.cohort.name,
                       first_session=dates[0] if dates else None, last_session=dates[-1] if dates else None,
                       sessions=place.sessions, attended=place.attended, completed_at=place.completed_at,
                       partnership=membership.partnership.name)
