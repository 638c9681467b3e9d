from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from portal.notifications import selectors, services
from portal.notifications.events import EVENTS, configurable_events
from portal.notifications.models import Preference
from portal.ui.views import capability_required, paginate


@require_http_methods(["GET", "HEAD"])
@capability_required("notifications.view")
def centre(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    page = paginate(request, selectors.notifications_for(partnership=request.partnership, user=request.user))
    return render(request, "notifications/centre.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("notifications.view")
def open_notification(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Marks the notification read and goes to the page it is about (or back to the list)."""
    notification = get_object_or_404(
        selectors.notifications_for(partnership=request.partnership, user=request.user), pk=pk
    )
    services.mark_read(notification=notification, user=request.user)
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("tenant:notifications", partnership_slug=partnership_slug)


@require_POST
@capability_required("notifications.view")
def read_all(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    count = services.mark_all_read(partnership=request.partnership, user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("tenant:notifications", partnership_slug=partnership_slug)


class PreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for event in configurable_events():
            self.fields[event.key] = forms.ChoiceField(
                label=event.label,
                help_text=event.description,
                choices=Preference.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose how to hear about: {event.label.lower()}"},
            )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    initial = selectors.preference_choices(user=request.user)
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(user=request.user, choices=form.cleaned_data)
        messages.success(request, "Your email preferences are saved.")
        return redirect("notification_preferences")
    mandatory = [event for event in EVENTS.values() if event.mandatory]
    return render(request, "notifications/preferences.html", {"form": form, "mandatory": mandatory})
