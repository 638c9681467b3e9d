"""Delivery on the home page (registered with portal.ui.sections): a facilitator's registers to take and the
sessions they run, a participant's evaluations to return and certificates, a head's impact on the school to give."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from portal.ui.sections import listed
from programmes.delivery.selectors import registers_to_take, sessions_run
from programmes.models import Evaluation, Place, PlaceStatus, SchoolImpact

LIMIT = 5


def home_section(*, membership: Membership, **_) -> dict:
    today = timezone.localdate()
    if membership.role == Role.SYSTEM_LEADER:
        shown = ("title", "date", "starts_at", "cohort__name")  # what the lists show, not every column
        return {**listed("registers_to_take", lambda: registers_to_take(membership, today=today).only(*shown), LIMIT),
                **listed("sessions_run", lambda: sessions_run(membership, today=today).only(*shown), LIMIT)}
    if membership.role == Role.PARTICIPANT:
        mine = Place.objects.filter(partnership=membership.partnership, user_id=membership.user_id,
                                    status=PlaceStatus.ACCEPTED).select_related("cohort")
        return {"evaluations_to_return": list(mine.filter(cohort__ends_on__lt=today).exclude(
                    Exists(Evaluation.objects.filter(place_id=OuterRef("pk")))).order_by("cohort__ends_on", "pk")[:LIMIT]),
                "my_certificates": list(mine.filter(completed_at__isnull=False).order_by("-completed_at")[:LIMIT])}
    if membership.role == Role.HEADTEACHER:
        return listed("school_impact_due", lambda: SchoolImpact.objects.filter(
            partnership=membership.partnership, answered_at__isnull=True, due_on__lte=today,
            place__school_id__in=Membership.schools.through.objects.filter(membership_id=membership.pk).values(
                "school_id")).select_related("place", "place__cohort", "place__school")
            .only("due_on", "place__name", "place__cohort__name", "place__school__name").order_by("due_on", "pk"), LIMIT)
    return {}
