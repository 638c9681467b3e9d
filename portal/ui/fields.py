"""Form fields every app uses: days in whole or half days, plain day/month/year dates, and text boxes,
each with the plain-English errors of the GOV.UK pattern.

Every free-text field has a length limit (tests/ui/test_form_conventions.py fails for one without); a textarea's
limit is shown by GOV.UK's character count (`govuk_field`). Forward-looking dates are checked by
`PastDateConfirmation`."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from portal.days import days_phrase, is_half_days

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DaysField(forms.DecimalField):
    """A number of whole or half days (the one day-number parser for forms; services use `portal.days`)."""

    def __init__(self, *, label: str, min_value=0.5, max_value=200, example: str = "3 or 2.5",
                 help_text: str | None = None, error_messages: dict | None = None, **kwargs):
        least = "Enter at least half a day" if min_value else "Days cannot be negative"
        messages = {"required": "Enter the number of days", "invalid": f"Enter a number of days, like {example}",
                    "min_value": least, "max_value": f"Enter {days_phrase(max_value)} or fewer",
                    "max_decimal_places": f"Use whole or half days, like {example.split(' or ')[-1]}",
                    **(error_messages or {})}
        super().__init__(label=label, min_value=min_value, max_value=max_value, decimal_places=1,
                         help_text=f"Whole or half days, like {example}" if help_text is None else help_text,
                         error_messages=messages, **kwargs)
        self.half_days_message = messages["max_decimal_places"]

    def clean(self, value):
        result = super().clean(value)
        if result is not None and not is_half_days(result):
            raise forms.ValidationError(self.half_days_message, code="half_days")
        return result


class PlainDateField(forms.DateField):
    """A day/month/year date between 2000 and 2090, with plain errors."""

    def clean(self, value):
        result = super().clean(value)
        if result and not date(2000, 1, 1) <= result <= date(2090, 12, 31):
            raise forms.ValidationError("Enter a date between 2000 and 2090")
        return result


def date_field(label: str, *, required: bool = True, help_text: str = "For example, 1/9/2026") -> forms.DateField:
    return PlainDateField(
        label=label, required=required, help_text=help_text, input_formats=DATE_FORMATS,
        error_messages={"required": f"Enter the {label.lower().replace(' (optional)', '')}",
                        "invalid": "Enter the date as day/month/year, like 1/9/2026"},
        widget=forms.DateInput(format="%d/%m/%Y"),
    )


def text_field(label: str, *, required: bool = True, rows: int = 4, max_length: int = 2000, help_text: str = "",
               required_message: str = "") -> forms.CharField:
    """A text box with a length limit and errors that name what is missing."""
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or f"Enter {label[0].lower()}{label[1:]}",
                        "max_length": f"Keep it to {max_length:,} characters or fewer"},
    )


class NoteForm(forms.Form):
    """One free-text box: a reason, a rationale or a summary."""

    note = text_field("Note", required=False)

    def __init__(self, *args, label: str, required: bool, help_text: str = "", rows: int = 4, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        field.label, field.required, field.help_text = label, required, help_text
        field.widget.attrs["rows"] = rows
        field.error_messages["required"] = f"Enter {label[0].lower()}{label[1:]}".rstrip("?")


class PastDateConfirmation(forms.Form):
    """A form whose dates look forward (a proposal's start and end, a preferred start): a date before today is
    refused until "Yes, this date is in the past" is ticked, so a mistyped year is never accepted silently.
    The tick box shows once a past date has been entered (`asks_past_confirmation`)."""

    past_date_fields: tuple[str, ...] = ()
    confirm_past = forms.BooleanField(label="Yes, this date is in the past", required=False,
                                      help_text="Tick this only if the work really started, or starts, before today")

    def _post_clean(self):
        # After every clean() (Django's hook for form-wide checks that come last), so the form's own date checks
        # (an end before the start) are made first and a date already in error is not reported twice.
        super()._post_clean()
        data, today = self.cleaned_data, timezone.localdate()
        self.past_dates = [name for name in self.past_date_fields if data.get(name) and data[name] < today]
        if self.past_dates and not data.get("confirm_past"):
            for name in self.past_dates:
                label = str(self.fields[name].label).lower().replace(" (optional)", "")
                self.add_error(name, f"The {label} is in the past. Check it, or tick \u201cYes, this date is in the "
                                     "past\u201d if it is right")

    @property
    def asks_past_confirmation(self) -> bool:
        return self.is_bound and (bool(getattr(self, "past_dates", None)) or "confirm_past" in self.data
                                  or self.add_prefix("confirm_past") in self.data)
