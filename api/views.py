"""The API tokens page: a partnership admin makes a token (its secret shown once), sees each token's use, revokes."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from api import tokens
from api.forms import TokenForm
from api.models import ApiToken, ApiTokenUsage
from portal.calendar.schooldays import today_in_london
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.views import capability_required, found_or_404

NEW_SECRET = "api_new_token"


def _tokens(partnership) -> list[ApiToken]:
    rows = list(ApiToken.objects.filter(partnership=partnership).select_related("created_by")
                .prefetch_related("local_authorities")[:100])
    totals = dict(ApiTokenUsage.objects.filter(partnership=partnership, token__in=rows).values("token")
                  .annotate(total=Sum("requests")).values_list("token", "total"))
    today = today_in_london()
    for row in rows:
        row.total_requests = totals.get(row.pk, 0)
        row.live = row.is_live(today)
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("api.manage")
def token_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """GET lists the tokens with a form for a new one; a valid POST makes it, and the next GET shows its secret once
    (it is stored hashed)."""
    form = TokenForm(request.POST or None, partnership=request.partnership)
    # A new secret travels to the next GET in the session and is dropped as it is shown (post, redirect, get: a
    # reload cannot make a second token).
    secret = request.session.pop(NEW_SECRET, "") if request.method != "POST" else ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.create_token(
                actor=request.membership, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                local_authorities=form.chosen_local_authorities(), contacts=form.cleaned_data["contacts"],
                expires_on=form.cleaned_data["expires_on"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            request.session[NEW_SECRET] = secret
            return redirect("api_pages:tokens", partnership_slug=partnership_slug)
    return render(request, "api/tokens.html", {
        "form": form, "secret": secret, "tokens": _tokens(request.partnership),
        "api_root": settings.SITE_URL + "/api/v1/", "openapi_url": settings.SITE_URL + reverse("api:openapi-json"),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("api.manage")
def token_revoke(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    token = found_or_404(ApiToken.objects.filter(partnership=request.partnership, revoked_at__isnull=True), pk)
    back = reverse("api_pages:tokens", kwargs={"partnership_slug": partnership_slug})
    return confirm(request, Confirmation(
        title=f"Revoke {token.name}?", caption=f"API token starting {token.prefix}…",
        happens=["The token stops working at once.",
                 "Systems that use it get \u201c401 Unauthorized\u201d until someone gives them a new token."],
        told=[], button="Revoke token", cancel_url=back,
    ), act=lambda _: tokens.revoke_token(actor=request.membership, token=token), done_url=back,
        done_message=f"{token.name} ({token.prefix}…) is revoked: it no longer works.")
