"""The Webhooks page: a partnership admin adds an endpoint (its signing secret shown once) and turns one off."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from api import webhooks
from api.forms import WebhookForm
from api.models import DeliveryState, WebhookEndpoint
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.views import capability_required, found_or_404

NEW_SECRET = "api_new_webhook_secret"


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("api.manage")
def webhook_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    secret = request.session.pop(NEW_SECRET, "") if request.method != "POST" else ""  # shown once (see api.views)
    if request.method == "POST" and form.is_valid():
        try:
            _, secret = webhooks.create_endpoint(actor=request.membership, url=form.cleaned_data["url"],
                                                 events=form.cleaned_data["events"])
        except DomainError as error:
            form.add_error("url" if "address" in str(error) else None, str(error))
        else:
            request.session[NEW_SECRET] = secret
            return redirect("api_pages:webhooks", partnership_slug=partnership_slug)
    endpoints = WebhookEndpoint.objects.filter(partnership=request.partnership).annotate(
        delivered=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DELIVERED)),
        waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)))[:50]
    return render(request, "api/webhooks.html", {"form": form, "secret": secret, "endpoints": endpoints})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("api.manage")
def webhook_disable(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    endpoint = found_or_404(WebhookEndpoint.objects.filter(partnership=request.partnership, is_active=True), pk)
    back = reverse("api_pages:webhooks", kwargs={"partnership_slug": partnership_slug})
    return confirm(request, Confirmation(
        title="Turn off this webhook?", caption=endpoint.url,
        happens=["No more events are sent to this address, including any still waiting to be retried."],
        told=[], button="Turn off webhook", cancel_url=back,
    ), act=lambda _: webhooks.disable_endpoint(actor=request.membership, endpoint=endpoint), done_url=back,
        done_message=f"Events are no longer sent to {endpoint.url}.")
