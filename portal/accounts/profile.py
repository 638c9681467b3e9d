"""The user's text-message reminders: a UK mobile number and their agreement to reminders on it (the date)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.accounts.models import User

_UK_MOBILE = re.compile(r"^(?:\+44|0044|44|0)(7\d{9})$", re.ASCII)


def normalise_uk_mobile(value: str) -> str | None:
    """A UK mobile number as +447xxxxxxxxx, from the ways people write one ("07700 900123", "+44 (0)7700-900123");
    None when it is not one."""
    compact = re.sub(r"[\s\-().]", "", value).replace("+44(0)", "+44").replace("+440", "+44")
    match = _UK_MOBILE.match(compact)
    return f"+44{match.group(1)}" if match else None


class TextRemindersForm(forms.Form):
    mobile_number = forms.CharField(
        label="UK mobile phone number", required=False, max_length=30,
        help_text="For example, 07700 900123. Used only for these reminders.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "spellcheck": "false"}),
    )
    text_reminders = forms.BooleanField(
        label="Send me a text message when a review I need to write is due", required=False,
        help_text="As well as the email. You can stop them here at any time.",
    )

    def clean_mobile_number(self) -> str:
        value = self.cleaned_data["mobile_number"].strip()
        if not value:
            return ""
        number = normalise_uk_mobile(value)
        if number is None:
            raise forms.ValidationError("Enter a UK mobile phone number, like 07700 900123")
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("text_reminders") and "mobile_number" in cleaned and not cleaned["mobile_number"]:
            self.add_error("mobile_number", "Enter a UK mobile phone number to get text reminders")
        return cleaned


@transaction.atomic
def set_text_reminders(*, user: User, mobile_number: str, wanted: bool) -> User:
    """Save the number and the agreement. Agreeing (or agreeing again, to a new number) stamps today's date;
    stopping clears it, so nothing is sent from then on (unsent text rows fail at delivery)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    agreed_before = user.sms_opted_in_at is not None and user.mobile_number == mobile_number
    user.mobile_number = mobile_number
    user.sms_opted_in_at = (user.sms_opted_in_at if agreed_before else timezone.now()) if wanted else None
    user.save(update_fields=["mobile_number", "sms_opted_in_at"])
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def text_reminders(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"mobile_number": user.mobile_number, "text_reminders": user.sms_opted_in_at is not None}
    form = TextRemindersForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        user = set_text_reminders(user=user, mobile_number=form.cleaned_data["mobile_number"],
                                  wanted=form.cleaned_data["text_reminders"])
        messages.success(request, "Text reminders are on." if user.wants_text_reminders else
                         "Text reminders are off.")
        return redirect("text_reminders")
    return render(request, "account/text_reminders.html", {"form": form, "agreed_on": user.sms_opted_in_at})
