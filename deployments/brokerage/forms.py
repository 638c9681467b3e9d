"""Offers to system leaders and the proposal of a deployment."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from alliances.models import LeaderStatus, SystemLeader
from deployments.brokerage.proposals import ObjectiveInput
from deployments.models import DeclineReason, Funder, RateKind
from portal.ui.fields import DaysField, PastDateConfirmation, date_field, text_field
from programmes.funding.selectors import balance_label, routes_needing_entitlement


class CandidateFilterForm(forms.Form):
    """The candidates page's filters (a GET form). A bad value is an error, never a silently wider list."""

    designation = forms.ChoiceField(label="Designation", required=False,
                                    error_messages={"invalid_choice": "Choose one of the options in the list"})
    within_km = forms.DecimalField(label="Within (km)", required=False, min_value=Decimal("0.1"), max_value=1000,
                                   decimal_places=1, help_text="Distance from the school, for example 15",
                                   widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
                                   error_messages={"invalid": "Enter a distance in kilometres, like 15",
                                                   "min_value": "Enter a distance of more than 0 km",
                                                   "max_value": "Enter a distance of 1,000 km or less",
                                                   "max_decimal_places": "Enter a distance to one decimal place"})

    def __init__(self, data, *, designations: dict[str, str]):
        super().__init__(data or None)
        self.fields["designation"].choices = [("", "Any designation"), *designations.items()]


class OfferForm(forms.Form):
    leaders = forms.ModelMultipleChoiceField(queryset=None, error_messages={
        "required": "Select at least one system leader", "invalid_choice": "Select system leaders from the list",
        "invalid_pk_value": "Select system leaders from the list"})
    override_reason = text_field("Why offer to a leader matching excluded?", required=False, rows=3,
                            help_text="Needed only if you selected someone under 'Not considered'")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        # De-designated leaders are never offered work (matching leaves them out too). Only a form sent is checked
        # against the leaders: the candidates page renders its own checkboxes, never this field's choices.
        if self.is_bound:
            self.fields["leaders"].queryset = SystemLeader.objects.filter(partnership=partnership).exclude(
                status=LeaderStatus.DE_DESIGNATED).select_related("user")


class DeclineOfferForm(forms.Form):
    reason = forms.ChoiceField(label="Why are you declining?", widget=forms.RadioSelect, choices=DeclineReason.choices,
                               error_messages={"required": "Select why you are declining"})
    note = text_field("Anything the broker should know", required=False, rows=3,
                 help_text="Needed if you chose another reason")

    def clean(self):
        data = super().clean()
        if data.get("reason") == DeclineReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", "Say why you are declining")
        return data


OBJECTIVE_SLOTS = 3


class ProposalForm(PastDateConfirmation):
    past_date_fields = ("start_date", "end_date")
    days = DaysField(label="Days of support")
    rate_kind = forms.ChoiceField(label="Rate", choices=RateKind.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "Select the rate"})
    day_rate = forms.DecimalField(
        label="Day rate", min_value=0, max_value=99999, decimal_places=2, help_text="In pounds, like 350 or 412.50",
        error_messages={"required": "Enter the day rate", "invalid": "Enter the day rate in pounds, like 350",
                        "min_value": "The day rate cannot be negative", "max_value": "Enter a day rate under £100,000",
                        "max_decimal_places": "Use pounds and pence, like 412.50"})
    funder = forms.ChoiceField(label="Who pays?", choices=Funder.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Select who pays"})
    entitlement = forms.ModelChoiceField(
        label="Which of the school's entitlements pays? (for a core entitlement or a package)", queryset=None,
        required=False, widget=forms.RadioSelect, empty_label=None,
        error_messages={"invalid_choice": "Choose one of the school's entitlements from the list"})
    funder_note = forms.CharField(label="Funder details (optional)", required=False, max_length=200,
                                  help_text="For example the grant or budget code",
                                  error_messages={"max_length": "Keep it to 200 characters or fewer"})
    start_date = date_field("Start date")
    end_date = date_field("End date", help_text="For example, 26/3/2027")

    def __init__(self, *args, areas, entitlements=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The school's entitlements that may pay (`requests.selectors.funding_choices`); none offered without them.
        self.fields["entitlement"].queryset = entitlements
        self.fields["entitlement"].label_from_instance = balance_label
        for slot in range(1, OBJECTIVE_SLOTS + 1):
            required = slot == 1
            optional = "" if required else " (optional)"
            self.fields[f"objective_{slot}_area"] = forms.ModelChoiceField(
                label=f"Need area{optional}", queryset=areas, required=required, empty_label="Choose an area",
                error_messages={"required": "Choose the need area of the first objective",
                                "invalid_choice": "Choose a need area from the list"})
            self.fields[f"objective_{slot}_description"] = text_field(
                f"Objective{optional}", required=required, rows=3, help_text="What the support will do",
                required_message="Describe the first objective")
            self.fields[f"objective_{slot}_success"] = text_field(
                f"Success criteria{optional}", required=required, rows=3,
                help_text="How the school and the leader will know it worked",
                required_message="Give success criteria for the first objective")

    def objective_slots(self):
        return [(slot, self[f"objective_{slot}_area"], self[f"objective_{slot}_description"],
                 self[f"objective_{slot}_success"]) for slot in range(1, OBJECTIVE_SLOTS + 1)]

    def clean(self):
        data = super().clean()
        if data.get("funder") not in routes_needing_entitlement():
            data["entitlement"] = None
        elif self.fields["entitlement"].queryset is None or not self.fields["entitlement"].queryset.exists():
            self.add_error("funder", "The school has no entitlement for this year to pay from. Choose another funder")
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The end date must be on or after the start date")
        for slot in range(2, OBJECTIVE_SLOTS + 1):
            parts = [data.get(f"objective_{slot}_area"), data.get(f"objective_{slot}_description"),
                     data.get(f"objective_{slot}_success")]
            if any(parts) and not all(parts):
                for name, part in zip(("area", "description", "success"), parts, strict=True):
                    if not part:
                        self.add_error(f"objective_{slot}_{name}", f"Complete objective {slot}, or leave all of it empty")
        return data

    def objectives(self):
        data = self.cleaned_data
        return [ObjectiveInput(data[f"objective_{slot}_area"], data[f"objective_{slot}_description"],
                               data[f"objective_{slot}_success"])
                for slot in range(1, OBJECTIVE_SLOTS + 1) if data.get(f"objective_{slot}_area")]
