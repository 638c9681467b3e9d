"""Home page sections for places (registered with portal.ui.sections): the steering group's places waiting for a
decision, a head's applications waiting for endorsement, a participant's own programmes. One query each (the
first few and how many)."""

from __future__ import annotations

from portal.queues import first_and_total
from portal.tenancy.models import Membership
from programmes.models import Place, PlaceStatus
from programmes.places.selectors import my_places

SHOWN = 5


def _section(places, prefix: str) -> dict:
    shown, count = first_and_total(places, SHOWN)
    return {f"{prefix}": shown, f"{prefix}_count": count}


def home_section(*, membership: Membership, **_) -> dict:
    found: dict = {}
    if membership.can("places.decide"):
        waiting = (Place.objects.filter(partnership=membership.partnership, status=PlaceStatus.NOMINATED)
                   .select_related("cohort", "school").order_by("created_at", "pk"))
        found.update(_section(waiting, "places_waiting"))
    if membership.can("places.endorse"):
        applied = (Place.objects.filter(partnership=membership.partnership, status=PlaceStatus.APPLIED,
                                        school__in=membership.schools.all())
                   .select_related("cohort", "school").order_by("created_at", "pk"))
        found.update(_section(applied, "places_to_endorse"))
    if membership.role == "participant":
        found.update(_section(my_places(membership=membership), "my_places"))
    return found
