"""Proposing a change to a deployment, deciding on it, and declining or withdrawing it."""

from __future__ import annotations

from django import forms

from deployments.models import RateKind
from deployments.variations.values import Proposed, objectives_input
from portal.ui.fields import DaysField, date_field, text_field


class VariationForm(forms.Form):
    """Prefilled with the deployment's current values; the broker changes what needs changing and says why."""

    days = DaysField(label="Days of support")
    start_date = date_field("Start date")
    end_date = date_field("End date", help_text="For example, 26/3/2027")
    rate_kind = forms.ChoiceField(label="Rate", choices=RateKind.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "Select the rate"})
    day_rate = forms.DecimalField(
        label="Day rate", min_value=0, max_value=99999, decimal_places=2, help_text="In pounds, like 350 or 412.50",
        error_messages={"required": "Enter the day rate", "invalid": "Enter the day rate in pounds, like 350",
                        "min_value": "The day rate cannot be negative", "max_value": "Enter a day rate under £100,000",
                        "max_decimal_places": "Use pounds and pence, like 412.50"})
    new_area = forms.ModelChoiceField(label="Need area (optional)", queryset=None, required=False,
                                      empty_label="Choose an area",
                                      error_messages={"invalid_choice": "Choose a need area from the list"})
    new_description = text_field("Objective (optional)", required=False, rows=3, help_text="What the support will do")
    new_success = text_field("Success criteria (optional)", required=False, rows=3,
                             help_text="How the school and the leader will know it worked")
    reason = text_field("Why does the agreement change?", rows=4, required_message="Say why the agreement changes",
                        help_text="The approver, the school and the system leader will read it.")

    def __init__(self, *args, current: Proposed, areas, **kwargs):
        initial = {"days": current.days, "start_date": current.start_date, "end_date": current.end_date,
                   "rate_kind": current.rate_kind, "day_rate": current.day_rate}
        for index, objective in enumerate(current.objectives, start=1):
            initial[f"objective_{index}_description"] = objective["description"]
            initial[f"objective_{index}_success"] = objective["success_criteria"]
        super().__init__(*args, initial=initial, **kwargs)
        self.current = current
        self.fields["new_area"].queryset = areas
        slots = range(1, len(current.objectives) + 1)
        for index in slots:
            self.fields[f"objective_{index}_description"] = text_field(
                "Objective", rows=3, required_message=f"Describe objective {index}")
            self.fields[f"objective_{index}_success"] = text_field(
                "Success criteria", rows=3, required_message=f"Give success criteria for objective {index}")
        # The page's order, so the error summary lists problems as the page shows them.
        self.order_fields(["days", "start_date", "end_date", "rate_kind", "day_rate",
                           *[f"objective_{i}_{part}" for i in slots for part in ("description", "success")],
                           "new_area", "new_description", "new_success", "reason"])

    def objective_slots(self):
        return [(index, objective["area"], self[f"objective_{index}_description"], self[f"objective_{index}_success"])
                for index, objective in enumerate(self.current.objectives, start=1)]

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The end date must be on or after the start date")
        parts = [data.get("new_area"), data.get("new_description"), data.get("new_success")]
        if any(parts) and not all(parts):
            for name, part in zip(("new_area", "new_description", "new_success"), parts, strict=True):
                if not part:
                    self.add_error(name, "Complete the new objective, or leave all of it empty")
        return data

    def proposed(self) -> Proposed:
        data = self.cleaned_data
        edits = [(data[f"objective_{i}_description"], data[f"objective_{i}_success"])
                 for i in range(1, len(self.current.objectives) + 1)]
        added = (data["new_area"], data["new_description"], data["new_success"]) if data.get("new_area") else None
        return Proposed(days=data["days"], start_date=data["start_date"], end_date=data["end_date"],
                        rate_kind=data["rate_kind"], day_rate=data["day_rate"],
                        objectives=objectives_input(self.current.objectives, edits, added))


class VariationDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve the change"), ("reject", "Do not approve it")],
                                 error_messages={"required": "Select your decision"})
    rationale = text_field("Rationale", help_text="Why you decided this. The broker, the school and the system leader "
                           "will read it.", required_message="Give the rationale for your decision")
