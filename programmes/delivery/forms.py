"""Forms for delivery pages: the register (one fieldset of radios per participant), the evaluation and the impact
on the school (the 1 to 10 scale written out), and the reports' filters (in reports.py)."""

from __future__ import annotations

from django import forms

from programmes.delivery.evaluations import impact_choices
from programmes.delivery.registers import REASON_MAX, Mark
from programmes.models import Attendance

ATTENDANCE_CHOICES = [(Attendance.PRESENT, "Present"), (Attendance.LATE, "Late"), (Attendance.ABSENT, "Absent")]


class RegisterForm(forms.Form):
    """Two fields per accepted participant: `mark-<place id>` (radios) and `reason-<place id>`."""

    def __init__(self, data=None, *, places, current: dict[int, tuple[str, str]]):
        super().__init__(data)
        self.places = places
        for place in places:
            attendance, reason = current.get(place.pk, ("", ""))
            self.fields[f"mark-{place.pk}"] = forms.ChoiceField(
                label=place.name, choices=ATTENDANCE_CHOICES, widget=forms.RadioSelect, initial=attendance or None,
                error_messages={"required": f"Choose present, late or absent for {place.name}"})
            self.fields[f"reason-{place.pk}"] = forms.CharField(
                label=f"Reason {place.name} was absent", required=False, max_length=REASON_MAX, initial=reason,
                error_messages={"max_length": f"The reason for {place.name} must be {REASON_MAX} characters or fewer"})

    def clean(self):
        data = super().clean()
        for place in self.places:
            if data.get(f"mark-{place.pk}") == Attendance.ABSENT and not (data.get(f"reason-{place.pk}") or "").strip():
                self.add_error(f"reason-{place.pk}", f"Give the reason {place.name} was absent")
        return data

    def rows(self):
        return [(place, self[f"mark-{place.pk}"], self[f"reason-{place.pk}"]) for place in self.places]

    def marks(self) -> dict[int, Mark]:
        return {place.pk: Mark(self.cleaned_data[f"mark-{place.pk}"], self.cleaned_data.get(f"reason-{place.pk}", ""))
                for place in self.places}


class ImpactField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=impact_choices(), coerce=int, widget=forms.RadioSelect, **kwargs)


class EvaluationForm(forms.Form):
    practice_change = forms.CharField(
        label="What has changed in your practice?", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example what you now do differently, with whom, and what you have seen come of it",
        error_messages={"required": "Say what has changed in your practice"})
    impact = ImpactField(label="How much impact has the programme had on your practice?",
                         help_text="1 is no impact at all and 10 is practice transformed",
                         error_messages={"required": "Choose an impact score from 1 to 10"})


class SchoolImpactForm(forms.Form):
    impact_on_school = forms.CharField(
        label="What has the programme done for the school?", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example changes to teaching, leadership or pupils' outcomes you can connect to it",
        error_messages={"required": "Say what the programme has done for the school"})
    impact = ImpactField(label="How much impact has it had on the school?",
                         help_text="1 is no impact at all and 10 is practice transformed",
                         error_messages={"required": "Choose an impact score from 1 to 10"})
