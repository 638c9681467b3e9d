"""The "Calendar feed" page (a member makes, copies and revokes their secret address) and the feed itself, which
calendar apps fetch without a session."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.calendar import feeds
from portal.calendar.models import CalendarFeed
from portal.errors import DomainError
from portal.tenancy.rls import partnership_scope
from portal.ui.confirm import Confirmation, confirm
from portal.ui.views import capability_required

NEW_ADDRESS = "calendar_feed_address"


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("calendar.feed")
def calendar_feed(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """GET shows whether the member has a feed; POST makes a new address (shown on the next GET only: it is stored
    hashed), which revokes any earlier one."""
    membership = request.membership
    # The new address travels to the next GET in the session and is dropped as it is shown (a reload cannot make
    # another one).
    address = request.session.pop(NEW_ADDRESS, "") if request.method != "POST" else ""
    if request.method == "POST":
        _, token = feeds.create_feed(membership=membership)
        request.session[NEW_ADDRESS] = settings.SITE_URL + reverse("calendar_feed_ics", kwargs={"token": token})
        return redirect("tenant:calendar_feed", partnership_slug=partnership_slug)
    return render(request, "calendar/feed.html", {
        "feed": feeds.live_feed(membership=membership), "address": address,
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("calendar.feed")
def calendar_feed_revoke(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    back = reverse("tenant:calendar_feed", kwargs={"partnership_slug": partnership_slug})

    def act(_):
        if not feeds.revoke_feed(membership=request.membership):
            raise DomainError("You have no feed address to revoke: there is nothing to stop.")

    return confirm(request, Confirmation(
        title="Revoke your calendar feed address?", caption=request.partnership.name,
        happens=["The address stops working: calendars subscribed to it stop updating.",
                 "You can make a new address to subscribe again."],
        told=[], button="Revoke the feed address", cancel_url=back,
    ), act=act, done_url=back, done_message="Your calendar feed address no longer works.")


@require_http_methods(["GET", "HEAD"])
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for calendar apps: the secret address is the only credential. Unknown and revoked give 404."""
    feed = feeds.global_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar feed")
    with partnership_scope(feed.partnership):
        body = feeds.render_feed(feed.membership)
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="school-to-school-support.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
