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
