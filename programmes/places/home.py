"""Home page sections for places (registered with portal.ui.sections): the steering group's places waiting for a
decision, a head's applications waiting for endorsement, a participant's own programmes. One query each (the
first few and how many), for those with any (`portal.ui.sections.queued`), each built by a function so the page
builds its statement once for the member and the day (`portal.kept`)."""

from __future__ import annotations

from portal.tenancy.models import Membership
from portal.ui.sections import queued
from programmes.models import Place, PlaceStatus
from programmes.places.selectors import my_places

SHOWN = 5


def _section(places, prefix: str) -> dict:
    return queued(prefix, places, SHOWN, f"{prefix}_count")


def home_section(*, membership: Membership, **_) -> dict:
    found: dict = {}
    if membership.can("places.decide"):
        found.update(_section(lambda: Place.objects.filter(partnership=membership.partnership,
                                                           status=PlaceStatus.NOMINATED)
                              .select_related("cohort", "school").only("name", "cohort__name", "school__name")
                              .order_by("created_at", "pk"), "places_waiting"))
    if membership.can("places.endorse"):
        # The member's schools from the link table alone (no join to the schools, costly to plan), and only
        # what the list shows (a place's name and cohort).
        found.update(_section(lambda: Place.objects.filter(
            partnership=membership.partnership, status=PlaceStatus.APPLIED,
            school_id__in=Membership.schools.through.objects.filter(membership_id=membership.pk).values("school_id"))
            .select_related("cohort").only("name", "cohort__name").order_by("created_at", "pk"), "places_to_endorse"))
    if membership.role == "participant":
        found.update(_section(lambda: my_places(membership=membership), "my_places"))
    return found
