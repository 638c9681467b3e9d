"""Programme sessions in a member's calendar feed (portal.calendar.feeds): the sessions of every cohort they hold
an accepted place on (Place.user) and of every cohort they facilitate as a system leader. Times are Europe/London;
the UID names the session, so a changed time updates the event. The summary names the programme and session only.
One query whatever the member's role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from portal.calendar.feeds import FeedEvent
from portal.calendar.schooldays import LONDON
from portal.tenancy.models import Membership
from programmes.models import CohortStatus, Facilitator, Place, PlaceStatus, Session


def session_events(membership: Membership) -> Iterator[FeedEvent]:
    partnership, user = membership.partnership, membership.user
    held = Place.objects.filter(partnership=partnership, user=user, status=PlaceStatus.ACCEPTED).values("cohort_id")
    runs = Facilitator.objects.filter(partnership=partnership, leader__user=user).values("cohort_id")
    sessions = (Session.objects.filter(partnership=partnership).filter(Q(cohort_id__in=held) | Q(cohort_id__in=runs))
                .exclude(cohort__status__in=(CohortStatus.DRAFT, CohortStatus.CANCELLED))
                .select_related("cohort__programme")
                .only("pk", "title", "date", "starts_at", "ends_at", "venue", "online_link", "created_at",
                      "cohort__id", "cohort__name", "cohort__updated_at", "cohort__programme__title"))
    slug = partnership.slug
    for session in sessions:
        where = ", ".join(part for part in (session.venue, "online" if session.online_link else "") if part)
        yield FeedEvent(
            uid=f"programme-session-{session.pk}@{slug}.s2s",
            summary=f"{session.cohort.programme.title}: {session.title}",
            start=datetime.combine(session.date, session.starts_at, tzinfo=LONDON),
            end=datetime.combine(session.date, session.ends_at, tzinfo=LONDON),
            description=f"{session.cohort.name}." + (f" {where.capitalize()}." if where else ""),
            last_modified=max(session.created_at, session.cohort.updated_at),
            url=settings.SITE_URL + reverse("programmes:cohort", kwargs={"partnership_slug": slug,
                                                                         "pk": session.cohort_id}))
