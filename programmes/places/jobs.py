"""The daily run over offers of places from the waitlist: expired offers lapse and pass to the next person, and
people whose offer lapses within two days are reminded, exactly once (the outbox's unique key per offer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.formats import date_text
from portal.tenancy.selectors import each_active_partnership
from programmes.models import Place, PlaceStatus
from programmes.places.services import heads, person, tell
from programmes.places.transitions import lapse_expired_offers

REMIND_BEFORE = timedelta(days=2)


@dataclass
class Summary:
    partnerships: int = 0
    lapsed: int = 0
    reminders: int = 0


def remind_lapsing_offers(*, partnership, now: datetime) -> int:
    lapsing = (Place.objects.filter(partnership=partnership, status=PlaceStatus.OFFERED,
                                    offer_expires_at__gt=now, offer_expires_at__lte=now + REMIND_BEFORE)
               .select_related("cohort__programme", "school", "user", "partnership").order_by("offer_expires_at", "pk"))
    sent = 0
    with transaction.atomic():
        for place in lapsing:
            # One reminder per offer: the occurrence names the place, and a place is offered at most once.
            tell(place, "place.offer_lapsing", "lapsing", [*person(place), *heads(place)],
                 f"The offer of a place on {place.cohort.name} lapses on {date_text(place.offer_expires_at)}",
                 [f"{place.name} was offered a place on {place.cohort.programme.title} ({place.cohort.name}).",
                  f"Take it or turn it down by {date_text(place.offer_expires_at)}, or it passes to the next "
                  "person on the waitlist."], action="Take or turn down the place")
            sent += 1
    return sent


def run_place_offers(*, now: datetime | None = None) -> Summary:
    now = now or timezone.now()
    summary = Summary()
    for partnership in each_active_partnership("the daily run over waitlist offers visits every partnership",
                                               quiet=True):
        summary.lapsed += lapse_expired_offers(partnership=partnership, now=now)
        summary.reminders += remind_lapsing_offers(partnership=partnership, now=now)
        summary.partnerships += 1
    return summary
