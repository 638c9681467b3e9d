"""The headteacher's questions and the broker's triage."""

from __future__ import annotations

from django import forms

from deployments.models import FundingRoute, SupportLevel, Urgency
from portal.accounts.models import User
from portal.tenancy.models import Membership
from portal.ui.fields import DaysField, PlainDateField
from programmes.funding.selectors import balance_label, routes_needing_entitlement


class ChooseSchoolForm(forms.Form):
    school = forms.ModelChoiceField(label="Which school is the support for?", queryset=None, widget=forms.RadioSelect,
                                    empty_label=None, error_messages={"required": "Select the school"})

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].label_from_instance = lambda school: school.name


class NeedsForm(forms.Form):
    needs = forms.ModelMultipleChoiceField(
        label="Areas of support", queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply", error_messages={"required": "Select at least one area"},
    )

    def __init__(self, *args, specialisms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = specialisms


class ContextForm(forms.Form):
    context = forms.CharField(
        label="What is going on?", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The situation, what you have tried, and anything a system leader should know. Do not name pupils.",
        error_messages={"required": "Say what is going on", "max_length": "Keep it to 5,000 characters or fewer"},
    )
    success = forms.CharField(
        label="What would good look like at the end of the support?", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what good would look like", "max_length": "Keep it to 5,000 characters or fewer"},
    )


class TimingForm(forms.Form):
    urgency = forms.ChoiceField(label="How soon do you need support?", choices=Urgency.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Select how soon you need support"})
    days_wanted = DaysField(label="How many days of support do you think you need?", max_value=60,
                            error_messages={"min_value": "Ask for at least half a day",
                                            "max_value": "Ask for 60 days or fewer"})
    preferred_start = PlainDateField(
        label="Preferred start (optional)", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text="For example, 4/1/2027", widget=forms.DateInput(format="%d/%m/%Y"),
        error_messages={"invalid": "Enter the date as day/month/year, like 4/1/2027"},
    )
    preferred_end = PlainDateField(
        label="Preferred end (optional)", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text="For example, 26/3/2027. The days are spread over the terms between the start and the end",
        widget=forms.DateInput(format="%d/%m/%Y"),
        error_messages={"invalid": "Enter the date as day/month/year, like 26/3/2027"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("preferred_start"), data.get("preferred_end")
        if start and end and end < start:
            self.add_error("preferred_end", "The preferred end must be on or after the preferred start")
        return data

class FundingForm(forms.Form):
    funding_route = forms.ChoiceField(label="How will the support be paid for?", choices=FundingRoute.choices,
                                      widget=forms.RadioSelect, error_messages={"required": "Select how it will be paid for"})
    entitlement = forms.ModelChoiceField(
        label="Which of your entitlements pays? (for a core entitlement or a package)", queryset=None, required=False,
        widget=forms.RadioSelect, empty_label=None,
        help_text="Days left are those not used or promised to other support",
        error_messages={"invalid_choice": "Choose one of your school's entitlements from the list"})
    payg_beyond_balance = forms.BooleanField(
        label="If visits go beyond the days left, charge the extra days as pay as you go", required=False,
        help_text="Without this, a visit beyond the balance cannot be confirmed until the funding changes")
    consent_to_share = forms.BooleanField(
        label="I agree that the steering group can share this request with the system leaders it considers",
        error_messages={"required": "You need to agree to share the request so system leaders can be matched"},
    )

    def __init__(self, *args, entitlements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].queryset = entitlements
        self.fields["entitlement"].label_from_instance = balance_label

    def clean(self):
        data = super().clean()
        route = data.get("funding_route")
        if route in routes_needing_entitlement() and not self.fields["entitlement"].queryset.exists():
            self.add_error("funding_route", "Your school has no entitlement for this year to pay from. Choose another "
                                            "way to pay")
        elif route and route not in routes_needing_entitlement():
            data["entitlement"], data["payg_beyond_balance"] = None, False
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why are you withdrawing it? (optional)", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label="Will the partnership take this request on?", widget=forms.RadioSelect,
        choices=[("yes", "Yes, find a system leader"), ("no", "No, it is not something we can take on")],
        error_messages={"required": "Select whether the partnership will take it on"},
    )
    support_level = forms.ChoiceField(label="Support level (if taken on)", required=False, widget=forms.RadioSelect)
    assigned_broker = forms.ModelChoiceField(label="Broker who will own it (if taken on)", queryset=None, required=False,
                                             empty_label="Me")
    note = forms.CharField(label="Note for the headteacher", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="Needed if you decline: say why, and where else the school could get help")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_level"].choices = SupportLevel.choices
        brokers = Membership.objects.filter(partnership=partnership, role="broker", is_active=True).values("user_id")
        self.fields["assigned_broker"].queryset = User.objects.filter(pk__in=brokers).order_by("email")
        self.fields["assigned_broker"].label_from_instance = lambda user: user.get_full_name()

    def clean(self):
        data = super().clean()
        if data.get("decision") == "yes" and not data.get("support_level"):
            self.add_error("support_level", "Select a support level")
        if data.get("decision") == "no" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the request is not being taken on")
        return data
