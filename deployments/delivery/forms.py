"""Approval, status changes and visits."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from deployments.models import VisitLength
from portal.ui.fields import date_field, text_field


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve the deployment"), ("reject", "Do not approve it")],
                                 error_messages={"required": "Select your decision"})
    rationale = text_field("Rationale", help_text="Why you decided this. It is kept with the deployment and shown to the "
                      "broker, the school and the system leader.", required_message="Give the rationale for your decision")


class VisitForm(forms.Form):
    visit_date = date_field("Date of the visit", help_text="For example, 12/1/2027")
    days = forms.TypedChoiceField(label="How long?", choices=VisitLength.choices, coerce=Decimal,
                                  widget=forms.RadioSelect, error_messages={"required": "Select a whole or half day"})
    focus = forms.CharField(label="Focus", max_length=200, help_text="For example: phonics in year 1, coaching the new SENCo",
                            error_messages={"required": "Say what the visit focused on",
                                            "max_length": "Keep the focus to 200 characters or fewer"})
    notes = text_field("Notes (optional)", required=False, rows=5, max_length=5000,
                  help_text="What happened and what was agreed. The school sees these notes.")
    not_school_day = forms.BooleanField(
        label="This visit was on a day that is not a school day", required=False,
        help_text="Only for a real visit at a weekend, in a holiday or on a bank holiday, such as a Saturday "
                  "conference or an INSET day")
    override_reason = text_field("Why it counts on that day (if not a school day)", required=False, rows=2,
                                 max_length=500, help_text="The school and the broker read this.")

    def clean(self):
        data = super().clean()
        if data.get("not_school_day") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", "Say why the visit counts on a day that is not a school day")
        if not data.get("not_school_day"):
            data["override_reason"] = ""
        return data

    @classmethod
    def initial_for(cls, visit) -> dict:
        return {"visit_date": visit.visit_date, "days": str(visit.days), "focus": visit.focus, "notes": visit.notes,
                "not_school_day": bool(visit.override_reason), "override_reason": visit.override_reason}

    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("visit_date", "days", "focus", "notes", "override_reason")}


class VisitAnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Did this visit happen as logged?", widget=forms.RadioSelect,
                                 choices=[("confirm", "Yes, confirm it"), ("dispute", "No, dispute it")],
                                 error_messages={"required": "Select whether the visit happened as logged"})
    reason = text_field("What does not match? (if disputing)", required=False, rows=3)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "dispute" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say what does not match")
        return data


class ResolveVisitForm(forms.Form):
    decision = forms.ChoiceField(label="How is the dispute settled?", widget=forms.RadioSelect, choices=[
        ("uphold", "The visit stands and counts as delivered"), ("remove", "Remove the visit: it does not count")],
        error_messages={"required": "Select how the dispute is settled"})
    note = text_field("Note for the school and the system leader", rows=3,
                 required_message="Say how the dispute was settled")
