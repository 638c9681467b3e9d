"""Completion: a place is complete when its programme's rule is met (a share of the cohort's sessions attended,
late counting as attended, and the evaluation returned when the programme asks for it). Checked whenever a register
is saved or an evaluation sent; a corrected register can also take completion away again."""

from __future__ import annotations

from django.utils import timezone

from portal.audit.services import record_event
from programmes.delivery.selectors import with_attendance
from programmes.models import Cohort, Place, PlaceStatus


def update_completion(cohort: Cohort, *, actor=None, place_ids=None) -> tuple[int, int]:
    """Set `completed_at` on the cohort's accepted places that now meet the rule, clear it on those that no longer
    do; one audit event each. Fixed queries: one read, at most two updates and one insert of events."""
    places = Place.objects.filter(cohort=cohort, status=PlaceStatus.ACCEPTED)
    if place_ids is not None:
        places = places.filter(pk__in=list(place_ids))
    rows = list(with_attendance(places).values_list("pk", "meets_rule", "completed_at", "name"))
    names = {pk: name for pk, _, _, name in rows}
    done = [pk for pk, meets, completed, _ in rows if meets and completed is None]
    undone = [pk for pk, meets, completed, _ in rows if not meets and completed is not None]
    now = timezone.now()
    if done:
        Place.objects.filter(pk__in=done, completed_at__isnull=True).update(completed_at=now, updated_at=now)
    if undone:
        Place.objects.filter(pk__in=undone).update(completed_at=None, updated_at=now)
    for pk in done:
        record_event(partnership=cohort.partnership, action="place.completed", actor=actor,
                     obj=Place(pk=pk, partnership=cohort.partnership, cohort=cohort, name=names[pk]), new={"completed_at": now.isoformat()})
    for pk in undone:
        record_event(partnership=cohort.partnership, action="place.completion_withdrawn", actor=actor,
                     obj=Place(pk=pk, partnership=cohort.partnership, cohort=cohort, name=names[pk]),
                     note="A corrected register means the completion rule is no longer met.")
    return len(done), len(undone)
