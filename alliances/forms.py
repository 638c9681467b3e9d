from __future__ import annotations

from django import forms

from alliances.models import School


class FindSchoolForm(forms.Form):
    urn = forms.CharField(
        label="URN",
        max_length=6,
        help_text="The school's 6-digit unique reference number from Get Information about Schools",
        error_messages={"required": "Enter the school's URN"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_urn(self) -> School:
        urn = self.cleaned_data["urn"].strip()
        if not (urn.isdigit() and len(urn) == 6):
            raise forms.ValidationError("A URN is 6 digits, like 139087")
        school = School.objects.filter(pk=urn).first()
        if school is None:
            raise forms.ValidationError(f"No school has the URN {urn}. Check it in Get Information about Schools")
        return school


class PartnershipSchoolForm(forms.Form):
    is_member = forms.TypedChoiceField(
        label="Is the school a member of the partnership?",
        choices=[("yes", "Yes, a member (member rates and core entitlement)"), ("no", "No, it buys support as a non-member")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the school is a member"},
    )
    member_from = forms.DateField(
        label="Member from (optional)", required=False, help_text="For example, 1/9/2026",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as day/month/year, like 1/9/2026"},
    )
    member_to = forms.DateField(
        label="Member until (optional)", required=False, help_text="Leave blank if membership continues",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as day/month/year, like 31/8/2027"},
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        start, end = data.get("member_from"), data.get("member_to")
        if start and end and end < start:
            self.add_error("member_to", "The end of membership must be on or after its start")
        return data
