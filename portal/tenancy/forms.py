from __future__ import annotations

from django import forms

from portal.tenancy.models import Partnership
from portal.tenancy.roles import ROLE_DESCRIPTIONS, Role


class RoleField(forms.ChoiceField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, **kwargs)
        self.choice_hints = ROLE_DESCRIPTIONS


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="The invitation link goes to this address. It works once and expires after 14 days.",
        error_messages={"required": "Enter the email address to invite", "invalid": "Enter an email address in the correct format, like name@example.org"},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = RoleField(label="Role", error_messages={"required": "Select a role", "invalid_choice": "Select a role from the list"})


class RoleForm(forms.Form):
    role = RoleField(label="Role", error_messages={"required": "Select a role", "invalid_choice": "Select a role from the list"})


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=500,
        help_text="Kept in the activity log. The member is not shown it.",
        error_messages={"max_length": "Keep the reason to 500 characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PartnershipSettingsForm(forms.ModelForm):
    label_sle = forms.CharField(label="Label for SLE", max_length=80)
    label_lle = forms.CharField(label="Label for LLE", max_length=80)
    label_nle = forms.CharField(label="Label for NLE", max_length=80)
    label_nlg = forms.CharField(label="Label for NLG", max_length=80)

    class Meta:
        model = Partnership
        fields = ["alliance_label", "four_eyes_approval", "variation_approval", "offer_expiry_days", "review_due_school_days",
                  "member_day_rate", "non_member_day_rate", "panel_four_eyes", "designation_review_years",
                  "overdue_leaders_in_matching", "contact_email"]
        labels = {
            "alliance_label": "What you call a group of schools led by a lead school",
            "four_eyes_approval": "The person who proposes a deployment cannot approve it (four-eyes approval)",
            "variation_approval": "A change to an agreed deployment needs an approver's approval",
            "offer_expiry_days": "Days a system leader has to answer an offer",
            "review_due_school_days": "School days before the end of term that a termly review is due",
            "member_day_rate": "Day rate for member schools (£)",
            "non_member_day_rate": "Day rate for schools outside the partnership (£)",
            "panel_four_eyes": "A recruitment panel's decision needs a second panel member to confirm it",
            "designation_review_years": "Years from designation to a system leader's designation review",
            "overdue_leaders_in_matching": "When a system leader's designation review is overdue, in matching",
            "contact_email": "Contact email shown to members",
        }
        widgets = {"overdue_leaders_in_matching": forms.RadioSelect}
        help_texts = {
            "alliance_label": "For example: teaching school alliance, hub, trust network",
            "offer_expiry_days": "Between 1 and 90",
            "review_due_school_days": "Between 1 and 60",
            "designation_review_years": "Between 1 and 10",
            "member_day_rate": "Offered when a deployment is proposed. Leave empty to enter it each time.",
            "non_member_day_rate": "Offered when a deployment is proposed. Leave empty to enter it each time.",
        }
        error_messages = {
            "offer_expiry_days": {
                "required": "Enter the number of days",
                "invalid": "Enter a whole number of days",
                "min_value": "Days to answer an offer must be between 1 and 90",
                "max_value": "Days to answer an offer must be between 1 and 90",
            },
            "review_due_school_days": {
                "required": "Enter the number of school days",
                "invalid": "Enter a whole number of school days",
                "min_value": "School days before the end of term must be between 1 and 60",
                "max_value": "School days before the end of term must be between 1 and 60",
            },
            "designation_review_years": {
                "required": "Enter the number of years",
                "invalid": "Enter a whole number of years",
                "min_value": "Years to a designation review must be between 1 and 10",
                "max_value": "Years to a designation review must be between 1 and 10",
            },
            "overdue_leaders_in_matching": {"required": "Choose how matching treats an overdue system leader"},
            "alliance_label": {"required": "Enter what you call a group of schools"},
        }

    CODES = {"label_sle": "SLE", "label_lle": "LLE", "label_nle": "NLE", "label_nlg": "NLG"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field_name, code in self.CODES.items():
            self.fields[field_name].initial = self.instance.designation_labels.get(code, "")
            self.fields[field_name].error_messages["required"] = f"Enter a label for {code}"
        for name in self.KEEP_WHEN_BLANK:
            self.fields[name].required = False

    # The system leadership settings came later than the rest: a form that leaves them out keeps what is saved.
    KEEP_WHEN_BLANK = ("designation_review_years", "overdue_leaders_in_matching")

    def _keep_when_blank(self, name: str):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_designation_review_years(self):
        return self._keep_when_blank("designation_review_years")

    def clean_overdue_leaders_in_matching(self):
        return self._keep_when_blank("overdue_leaders_in_matching")

    def designation_labels(self) -> dict[str, str]:
        return {code: self.cleaned_data[field_name].strip() for field_name, code in self.CODES.items()}


# The form for a member's schools and local authorities belongs to the directory app, which registers it.
_member_links_form: type[forms.Form] | None = None


def register_member_links_form(form_class: type[forms.Form]) -> None:
    global _member_links_form
    _member_links_form = form_class


def member_links_form(*args, **kwargs) -> forms.Form:
    if _member_links_form is None:
        raise RuntimeError("No member links form is registered: the directory app registers it when it loads.")
    return _member_links_form(*args, **kwargs)
