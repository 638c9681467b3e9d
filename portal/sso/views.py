from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.sso import config, services
from portal.sso.forms import SignInProviderForm
from portal.ui.views import capability_required


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("settings.manage")
def sign_in_settings(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    rows = services.sign_in_settings(partnership=request.partnership)
    data = request.POST if request.method == "POST" else None
    forms = [SignInProviderForm(data, row=row) for row in rows.values()]
    if data is not None and all(form.is_valid() for form in forms):
        with transaction.atomic():
            for form in forms:
                services.update_sign_in_provider(
                    actor=request.membership, provider=form.row.provider, allowed=form.cleaned_data["allowed"],
                    domains=form.cleaned_data["email_domains"], enforces_mfa=form.cleaned_data["enforces_mfa"])
        messages.success(request, "Sign-in settings saved.")
        return redirect("tenant:sso_settings", partnership_slug=partnership_slug)
    available = {pid for pid, _ in config.configured(settings.SOCIALACCOUNT_PROVIDERS)}
    # Each form by name too, so the page title's "Error: " (error_title_prefix) sees them.
    named = {f"{form.row.provider}_form": form for form in forms}
    return render(request, "sso/settings.html", {"forms": forms, "available": available, **named})
