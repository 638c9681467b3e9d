from __future__ import annotations

from decimal import Decimal

from django import forms

from alliances.forms import PlainDateField, date_field
from deployments.models import (
    OUTCOME_GROUPS,
    OUTCOMES,
    DeclineReason,
    Funder,
    FundingRoute,
    Met,
    Rag,
    RateKind,
    Urgency,
    VisitLength,
)


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
    days_wanted = forms.DecimalField(
        label="How many days of support do you think you need?", min_value=0.5, max_value=60, decimal_places=1,
        help_text="Whole or half days, like 3 or 2.5",
        error_messages={"required": "Enter the number of days", "invalid": "Enter a number of days, like 3 or 2.5",
                        "min_value": "Ask for at least half a day", "max_value": "Ask for 60 days or fewer",
                        "max_decimal_places": "Use whole or half days, like 2.5"},
    )
    preferred_start = PlainDateField(
        label="Preferred start (optional)", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text="For example, 4/1/2027", widget=forms.DateInput(format="%d/%m/%Y"),
        error_messages={"invalid": "Enter the date as day/month/year, like 4/1/2027"},
    )

    def clean_days_wanted(self):
        value = self.cleaned_data["days_wanted"]
        if value is not None and (value * 2) % 1 != 0:
            raise forms.ValidationError("Use whole or half days, like 2.5")
        return value


class FundingForm(forms.Form):
    funding_route = forms.ChoiceField(label="How will the support be paid for?", choices=FundingRoute.choices,
                                      widget=forms.RadioSelect, error_messages={"required": "Select how it will be paid for"})
    consent_to_share = forms.BooleanField(
        label="I agree that the steering group can share this request with the system leaders it considers",
        error_messages={"required": "You need to agree to share the request so system leaders can be matched"},
    )


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
        from deployments.models import SupportLevel
        from portal.accounts.models import User
        from portal.tenancy.models import Membership

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


def _days_field(label: str, help_text: str = "Whole or half days, like 3 or 2.5") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=0.5, max_value=200, decimal_places=1, help_text=help_text,
        error_messages={"required": "Enter the number of days", "invalid": "Enter a number of days, like 3 or 2.5",
                        "min_value": "Enter at least half a day", "max_value": "Enter 200 days or fewer",
                        "max_decimal_places": "Use whole or half days, like 2.5"},
    )


def _text(label: str, *, required: bool = True, rows: int = 4, max_length: int = 2000, help_text: str = "",
          required_message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or f"Enter {label[0].lower()}{label[1:]}",
                        "max_length": f"Keep it to {max_length:,} characters or fewer"},
    )


class OfferForm(forms.Form):
    leaders = forms.ModelMultipleChoiceField(queryset=None, error_messages={
        "required": "Select at least one system leader", "invalid_choice": "Select system leaders from the list",
        "invalid_pk_value": "Select system leaders from the list"})
    override_reason = _text("Why offer to a leader matching excluded?", required=False, rows=3,
                            help_text="Needed only if you selected someone under 'Not considered'")

    def __init__(self, *args, partnership, **kwargs):
        from alliances.models import SystemLeader

        super().__init__(*args, **kwargs)
        self.fields["leaders"].queryset = SystemLeader.objects.filter(partnership=partnership).select_related("user")


class DeclineOfferForm(forms.Form):
    reason = forms.ChoiceField(label="Why are you declining?", widget=forms.RadioSelect, choices=DeclineReason.choices,
                               error_messages={"required": "Select why you are declining"})
    note = _text("Anything the broker should know", required=False, rows=3,
                 help_text="Needed if you chose another reason")

    def clean(self):
        data = super().clean()
        if data.get("reason") == DeclineReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", "Say why you are declining")
        return data


class NoteForm(forms.Form):
    """One free-text box: a reason, a rationale or a summary."""

    note = _text("Note", required=False)

    def __init__(self, *args, label: str, required: bool, help_text: str = "", rows: int = 4, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        field.label, field.required, field.help_text = label, required, help_text
        field.widget.attrs["rows"] = rows
        field.error_messages["required"] = f"Enter {label[0].lower()}{label[1:]}".rstrip("?")


OBJECTIVE_SLOTS = 3


class ProposalForm(forms.Form):
    days = _days_field("Days of support")
    rate_kind = forms.ChoiceField(label="Rate", choices=RateKind.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "Select the rate"})
    day_rate = forms.DecimalField(
        label="Day rate", min_value=0, max_value=99999, decimal_places=2, help_text="In pounds, like 350 or 412.50",
        error_messages={"required": "Enter the day rate", "invalid": "Enter the day rate in pounds, like 350",
                        "min_value": "The day rate cannot be negative", "max_value": "Enter a day rate under £100,000",
                        "max_decimal_places": "Use pounds and pence, like 412.50"})
    funder = forms.ChoiceField(label="Who pays?", choices=Funder.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Select who pays"})
    funder_note = forms.CharField(label="Funder details (optional)", required=False, max_length=200,
                                  help_text="For example the grant or budget code",
                                  error_messages={"max_length": "Keep it to 200 characters or fewer"})
    start_date = date_field("Start date")
    end_date = date_field("End date", help_text="For example, 26/3/2027")

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        for slot in range(1, OBJECTIVE_SLOTS + 1):
            required = slot == 1
            optional = "" if required else " (optional)"
            self.fields[f"objective_{slot}_area"] = forms.ModelChoiceField(
                label=f"Need area{optional}", queryset=areas, required=required, empty_label="Choose an area",
                error_messages={"required": "Choose the need area of the first objective",
                                "invalid_choice": "Choose a need area from the list"})
            self.fields[f"objective_{slot}_description"] = _text(
                f"Objective{optional}", required=required, rows=3, help_text="What the support will do",
                required_message="Describe the first objective")
            self.fields[f"objective_{slot}_success"] = _text(
                f"Success criteria{optional}", required=required, rows=3,
                help_text="How the school and the leader will know it worked",
                required_message="Give success criteria for the first objective")

    def objective_slots(self):
        return [(slot, self[f"objective_{slot}_area"], self[f"objective_{slot}_description"],
                 self[f"objective_{slot}_success"]) for slot in range(1, OBJECTIVE_SLOTS + 1)]

    def clean_days(self):
        value = self.cleaned_data["days"]
        if value is not None and (value * 2) % 1 != 0:
            raise forms.ValidationError("Use whole or half days, like 2.5")
        return value

    def clean(self):
        data = super().clean()
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
        from deployments.delivery import ObjectiveInput

        data = self.cleaned_data
        return [ObjectiveInput(data[f"objective_{slot}_area"], data[f"objective_{slot}_description"],
                               data[f"objective_{slot}_success"])
                for slot in range(1, OBJECTIVE_SLOTS + 1) if data.get(f"objective_{slot}_area")]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve the deployment"), ("reject", "Do not approve it")],
                                 error_messages={"required": "Select your decision"})
    rationale = _text("Rationale", help_text="Why you decided this. It is kept with the deployment and shown to the "
                      "broker, the school and the system leader.", required_message="Give the rationale for your decision")


class VisitForm(forms.Form):
    visit_date = date_field("Date of the visit", help_text="For example, 12/1/2027")
    days = forms.TypedChoiceField(label="How long?", choices=VisitLength.choices, coerce=Decimal,
                                  widget=forms.RadioSelect, error_messages={"required": "Select a whole or half day"})
    focus = forms.CharField(label="Focus", max_length=200, help_text="For example: phonics in year 1, coaching the new SENCo",
                            error_messages={"required": "Say what the visit focused on",
                                            "max_length": "Keep the focus to 200 characters or fewer"})
    notes = _text("Notes (optional)", required=False, rows=5, max_length=5000,
                  help_text="What happened and what was agreed. The school sees these notes.")


class VisitAnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Did this visit happen as logged?", widget=forms.RadioSelect,
                                 choices=[("confirm", "Yes, confirm it"), ("dispute", "No, dispute it")],
                                 error_messages={"required": "Select whether the visit happened as logged"})
    reason = _text("What does not match? (if disputing)", required=False, rows=3)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "dispute" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say what does not match")
        return data


class ResolveVisitForm(forms.Form):
    decision = forms.ChoiceField(label="How is the dispute settled?", widget=forms.RadioSelect, choices=[
        ("uphold", "The visit stands and counts as delivered"), ("remove", "Remove the visit: it does not count")],
        error_messages={"required": "Select how the dispute is settled"})
    note = _text("Note for the school and the system leader", rows=3,
                 required_message="Say how the dispute was settled")


class ReviewForm(forms.Form):
    """The review a system leader writes: per objective progress and evidence, then the whole picture."""

    overall_progress = _text("Overall progress", required=False, rows=5, max_length=5000,
                             help_text="Succinct and evaluative: what has changed this term and what has not")
    impact_score = forms.TypedChoiceField(
        label="Impact score", required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
        choices=[(str(n), str(n)) for n in range(1, 11)], help_text="1 is no impact yet, 10 is transformational")
    next_steps = _text("Next steps", required=False, rows=4, max_length=5000)

    def __init__(self, *args, objectives, final: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        self.final = final
        for objective in objectives:
            self.fields[f"rag_{objective.pk}"] = forms.ChoiceField(
                label="Progress", required=False, choices=Rag.choices, widget=forms.RadioSelect)
            self.fields[f"evidence_{objective.pk}"] = _text("Evidence", required=False, rows=3, max_length=5000)
            if final:
                self.fields[f"met_{objective.pk}"] = forms.ChoiceField(
                    label="Were the success criteria met?", required=False, choices=Met.choices, widget=forms.RadioSelect)
        for group, label in OUTCOME_GROUPS.items():
            self.fields[f"outcomes_{group}"] = forms.MultipleChoiceField(
                label=label, required=False, choices=OUTCOMES[group], widget=forms.CheckboxSelectMultiple)
        # The page order, so the error summary lists problems in the order the page shows them.
        self.order_fields([*(name for o in objectives for name in (f"rag_{o.pk}", f"evidence_{o.pk}", f"met_{o.pk}")),
                           "overall_progress", "impact_score", *(f"outcomes_{g}" for g in OUTCOME_GROUPS), "next_steps"])

    def objective_fields(self):
        return [(o, self[f"rag_{o.pk}"], self[f"evidence_{o.pk}"], self[f"met_{o.pk}"] if self.final else None)
                for o in self.objectives]

    def outcome_fields(self):
        return [self[f"outcomes_{group}"] for group in OUTCOME_GROUPS]

    def require_complete(self) -> None:
        """Sending needs every answer; saving a draft does not."""
        data = self.cleaned_data
        for objective in self.objectives:
            if not data.get(f"rag_{objective.pk}"):
                self.add_error(f"rag_{objective.pk}", f"Choose the progress on {objective.area.name}")
            if not (data.get(f"evidence_{objective.pk}") or "").strip():
                self.add_error(f"evidence_{objective.pk}", f"Give the evidence for {objective.area.name}")
            if self.final and not data.get(f"met_{objective.pk}"):
                self.add_error(f"met_{objective.pk}", f"Say whether the success criteria for {objective.area.name} were met")
        if not (data.get("overall_progress") or "").strip():
            self.add_error("overall_progress", "Describe the overall progress")
        if data.get("impact_score") is None:
            self.add_error("impact_score", "Choose an impact score from 1 to 10")
        if not (data.get("next_steps") or "").strip():
            self.add_error("next_steps", "Give the next steps")

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "progress": {o.pk: (data.get(f"rag_{o.pk}") or "", data.get(f"evidence_{o.pk}") or "",
                                data.get(f"met_{o.pk}") or "" if self.final else "") for o in self.objectives},
            "overall_progress": data.get("overall_progress") or "", "impact_score": data.get("impact_score"),
            "outcomes": [key for group in OUTCOME_GROUPS for key in data.get(f"outcomes_{group}", [])],
            "next_steps": data.get("next_steps") or "",
        }


class ReviewAnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Do you agree this review?", widget=forms.RadioSelect, choices=[
        ("agree", "Yes, agree it: it becomes final"), ("return", "No, return it to the system leader with comments")],
        error_messages={"required": "Select whether you agree the review"})
    comments = _text("Your comments", required=False, rows=4, max_length=5000,
                     help_text="Shown on the review. Needed if you return it.")
    head_impact_score = forms.TypedChoiceField(
        label="Your impact score", required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
        choices=[(str(n), str(n)) for n in range(1, 11)], help_text="For the final evaluation: 1 is no impact, "
        "10 is transformational")

    def __init__(self, *args, final: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not final:
            del self.fields["head_impact_score"]
        self.final = final

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comments") or "").strip():
            self.add_error("comments", "Say what should change")
        if self.final and data.get("decision") == "agree" and data.get("head_impact_score") is None:
            self.add_error("head_impact_score", "Choose your impact score from 1 to 10")
        return data
