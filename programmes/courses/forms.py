"""The forms for programmes, cohorts, sessions and facilitators. The rules are the services' (one list)."""

from __future__ import annotations

from django import forms

from alliances.models import Phase
from portal.ui.fields import date_field, text_field
from programmes.models import Audience, Programme
from programmes.money import start_year


class ProgrammeForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={
        "required": "Enter the programme's title", "max_length": "Keep the title to 200 characters or fewer"})
    summary = text_field("Summary", max_length=5000, rows=4, help_text="What people read first in the list",
                         required_message="Enter a summary of the programme")
    aims = text_field("Aims (optional)", required=False, max_length=5000, rows=4, help_text="What the programme is for")
    outcomes = text_field("Outcomes (optional)", required=False, max_length=5000, rows=5,
                          help_text="One outcome per line: what participants work towards")
    audiences = forms.MultipleChoiceField(label="Who is it for?", choices=Audience.choices,
                                          widget=forms.CheckboxSelectMultiple,
                                          error_messages={"required": "Choose who the programme is for"})
    phases = forms.MultipleChoiceField(label="Phases (optional)", choices=Phase.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text="Leave all unticked for every phase")
    delivery_partner = forms.CharField(label="Delivery partner (optional)", max_length=200, required=False,
                                       help_text="An organisation delivering it with the partnership, if any")
    completion_attendance = forms.IntegerField(
        label="Attendance needed to complete (per cent)", min_value=0, max_value=100,
        help_text="The share of sessions a participant must attend; late counts as attended",
        error_messages={"required": "Enter the attendance needed, like 80",
                        "invalid": "Enter the attendance as a whole number, like 80",
                        "min_value": "Enter 0 or more", "max_value": "Enter 100 or less"})
    completion_needs_evaluation = forms.BooleanField(label="Completion also needs the evaluation returned",
                                                     required=False)

    @classmethod
    def initial_for(cls, programme: Programme) -> dict:
        values = {name: getattr(programme, name) for name in cls.base_fields}
        values["outcomes"] = "\n".join(programme.outcomes)
        return values

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["outcomes"] = [line.strip() for line in data["outcomes"].splitlines() if line.strip()]
        return data


class CohortForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, help_text="For example, Autumn 2026 cohort",
                           error_messages={"required": "Enter the cohort's name",
                                           "max_length": "Keep the name to 200 characters or fewer"})
    academic_year = forms.CharField(label="Academic year", max_length=7, help_text="For example 2026-27",
                                    error_messages={"required": "Enter the academic year, like 2026-27"})
    service = forms.TypedChoiceField(label="Price of a place", coerce=int, required=False, empty_value=None,
                                     help_text="A programme place in that year's published catalogue")
    places = forms.IntegerField(label="Places", min_value=1, max_value=2000, error_messages={
        "required": "Enter how many places the cohort has", "invalid": "Enter the places as a whole number, like 24",
        "min_value": "Enter at least 1 place", "max_value": "Enter 2,000 places or fewer"})
    minimum = forms.IntegerField(label="Fewest participants for it to run", min_value=0, max_value=2000,
                                 error_messages={"required": "Enter the minimum, or 0",
                                                 "invalid": "Enter the minimum as a whole number, like 12",
                                                 "min_value": "The minimum cannot be negative",
                                                 "max_value": "Enter 2,000 or fewer"})
    applications_open = date_field("Applications open (optional)", required=False)
    applications_close = date_field("Applications close (optional)", required=False)
    offer_days = forms.IntegerField(label="Days to take a freed place", min_value=1, max_value=30,
                                    help_text="How long a person offered a place from the waitlist has to take it",
                                    error_messages={"required": "Enter the days to take a freed place, like 5",
                                                    "invalid": "Enter the days as a whole number, like 5",
                                                    "min_value": "Enter at least 1 day",
                                                    "max_value": "Enter 30 days or fewer"})

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {s.pk: s for s in services}
        self.fields["service"].choices = [("", "Not priced yet")] + [
            (s.pk, f"{s.name} ({s.catalogue.academic_year}): members £{s.member_price:,.2f}"
                   + (f", others £{s.non_member_price:,.2f}" if s.non_member_price is not None else ""))
            for s in services]

    def clean_academic_year(self) -> str:
        year = self.cleaned_data["academic_year"].strip()
        try:
            start_year(year)
        except ValueError:
            raise forms.ValidationError("Enter the academic year like 2026-27") from None
        return year

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["service"] = self.services.get(data.get("service"))
        return data


class SessionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, help_text="For example, Day 1: leading change",
                            error_messages={"required": "Enter the session's title",
                                            "max_length": "Keep the title to 200 characters or fewer"})
    date = date_field("Date")
    starts_at = forms.TimeField(label="Starts", input_formats=["%H:%M", "%H.%M"], help_text="For example, 09:30",
                                widget=forms.TimeInput(format="%H:%M"),
                                error_messages={"required": "Enter the start time",
                                                "invalid": "Enter the start time like 09:30"})
    ends_at = forms.TimeField(label="Ends", input_formats=["%H:%M", "%H.%M"], help_text="For example, 15:30",
                              widget=forms.TimeInput(format="%H:%M"),
                              error_messages={"required": "Enter the end time",
                                              "invalid": "Enter the end time like 15:30"})
    venue = forms.CharField(label="Venue", max_length=300, required=False,
                            help_text="Where it is held. Enter a venue, an online link, or both")
    online_link = forms.URLField(label="Online link", max_length=500, required=False, assume_scheme="https",
                                 help_text="For example, https://meet.example.org/abc",
                                 error_messages={"invalid": "Enter the online link as a web address, like "
                                                            "https://meet.example.org/abc"})
    non_school_day_reason = forms.CharField(
        label="Why is the session on a day schools are closed?", max_length=300, required=False,
        help_text="Only needed when the date is not a school day in the partnership's term calendar")


class FacilitatorForm(forms.Form):
    leader = forms.TypedChoiceField(label="A system leader of the partnership", coerce=int, required=False,
                                    empty_value=None)
    name = forms.CharField(label="Or an outside person's name", max_length=150, required=False)
    email = forms.EmailField(label="Their email address (optional)", required=False,
                             error_messages={"invalid": "Enter an email address like name@example.org"})
    organisation = forms.CharField(label="Their organisation (optional)", max_length=200, required=False)

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.leaders = {leader.pk: leader for leader in leaders}
        self.fields["leader"].choices = [("", "Not a system leader")] + [(leader.pk, leader.name) for leader in leaders]

    def clean(self):
        data = super().clean()
        if not data.get("leader") and not (data.get("name") or "").strip() and not self.errors:
            self.add_error("leader", "Choose a system leader, or enter an outside person's name")
        if data.get("leader") and (data.get("name") or "").strip():
            self.add_error("name", "Choose a system leader or enter a name, not both")
        return data


class ProgrammeFilterForm(forms.Form):
    audience = forms.ChoiceField(label="Who it is for", required=False,
                                 choices=[("", "Anyone")] + list(Audience.choices))
    phase = forms.ChoiceField(label="Phase", required=False, choices=[("", "Any phase")] + list(Phase.choices))
