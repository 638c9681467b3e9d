"""Forms for quality assurance: the framework, QA groups, a QA activity, and a designation review's outcome."""

from __future__ import annotations

from django import forms

from alliances.models import SystemLeader
from deployments.models import Deployment, Review, ReviewStatus, Visit
from leadership.models import Competency, DesignationOutcome, QAActivityKind, RatingLevel
from leadership.quality.selectors import IN_FORCE
from leadership.quality.services import ActionInput
from portal.ui.fields import date_field, text_field

ACTION_SLOTS = 3


class CompetencyForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter the competency's title"})
    description = text_field("What it looks like in practice", required=False, rows=3)
    order = forms.IntegerField(label="Position in the list", min_value=0, max_value=999, initial=10, error_messages={
        "required": "Enter the position", "invalid": "Enter the position as a whole number",
        "min_value": "Enter a position of 0 or more", "max_value": "Enter a position of 999 or less"})
    is_active = forms.BooleanField(label="In use (untick to retire it; past ratings are kept)", required=False,
                                   initial=True)


class RatingLevelForm(forms.Form):
    value = forms.IntegerField(label="Value (higher is stronger)", min_value=1, max_value=10, error_messages={
        "required": "Enter the value", "invalid": "Enter the value as a whole number",
        "min_value": "Enter a value from 1 to 10", "max_value": "Enter a value from 1 to 10"})
    label = forms.CharField(label="Label", max_length=80, error_messages={"required": "Enter the rating's label"})
    meaning = text_field("What it means", required=False, rows=2, max_length=500)


class QAGroupForm(forms.Form):
    name = forms.CharField(label="Group name", max_length=150, error_messages={"required": "Enter the group's name"})
    lead = forms.ModelChoiceField(label="Lead", queryset=None, empty_label="Choose the lead",
                                  help_text="A system leader, usually an NLE or LLE",
                                  error_messages={"required": "Choose the group's lead",
                                                  "invalid_choice": "Choose a lead from the list"})
    members = forms.ModelMultipleChoiceField(label="System leaders in the group", queryset=None, required=False,
                                             widget=forms.CheckboxSelectMultiple,
                                             error_messages={"invalid_choice": "Choose leaders from the list",
                                                             "invalid_pk_value": "Choose leaders from the list"})

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        leaders = SystemLeader.objects.filter(partnership=partnership, status__in=IN_FORCE).order_by("name")
        self.fields["lead"].queryset = leaders
        self.fields["lead"].label_from_instance = lambda leader: f"{leader.name} ({leader.designation})"
        self.fields["members"].queryset = leaders
        self.fields["members"].label_from_instance = lambda leader: f"{leader.name} ({leader.designation})"


class QAActivityForm(forms.Form):
    """One activity: what, when, what it concerned, a rating per competency on the partnership's scale, notes
    (shared with the leader), private notes (not) and up to three actions."""

    kind = forms.ChoiceField(label="What kind of activity?", choices=QAActivityKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose what kind of activity it was"})
    held_on = date_field("Date of the activity")
    deployment = forms.ModelChoiceField(label="Deployment concerned (optional)", queryset=None, required=False,
                                        empty_label="None", error_messages={
                                            "invalid_choice": "Choose a deployment from the list"})
    visit = forms.ModelChoiceField(label="Visit observed (optional)", queryset=None, required=False,
                                   empty_label="None", error_messages={"invalid_choice": "Choose a visit from the list"})
    review = forms.ModelChoiceField(label="Report reviewed (optional)", queryset=None, required=False,
                                    empty_label="None", error_messages={
                                        "invalid_choice": "Choose a review from the list"})
    notes = text_field("Notes for the system leader (optional)", required=False, rows=5, max_length=5000,
                       help_text="The leader reads these")
    private_notes = text_field("Private notes (optional)", required=False, rows=3, max_length=5000,
                               help_text="Only the QA lead and the steering group read these: never the leader, "
                                         "never LA officers")

    def __init__(self, *args, leader: SystemLeader, competencies: list[Competency], levels: list[RatingLevel],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        deployments = Deployment.objects.filter(partnership_id=leader.partnership_id, leader=leader).select_related(
            "school").order_by("-start_date", "-pk")
        self.fields["deployment"].queryset = deployments
        self.fields["deployment"].label_from_instance = lambda d: f"{d.reference} · {d.school.name}"
        self.fields["visit"].queryset = Visit.objects.filter(
            partnership_id=leader.partnership_id, deployment__leader=leader).select_related(
            "deployment__school").order_by("-visit_date", "-pk")
        self.fields["visit"].label_from_instance = lambda v: f"{v.visit_date:%d/%m/%Y} · {v.deployment.school.name}"
        self.fields["review"].queryset = Review.objects.filter(
            partnership_id=leader.partnership_id, deployment__leader=leader,
            status__in=[ReviewStatus.SUBMITTED, ReviewStatus.AGREED]).select_related(
            "deployment__school").order_by("-due_on", "-pk")
        self.fields["review"].label_from_instance = lambda r: f"{r.get_kind_display()}, {r.term_label} · " \
                                                              f"{r.deployment.school.name}"
        choices = [(str(level.pk), level.label) for level in levels]
        for competency in competencies:
            self.fields[f"rating_{competency.pk}"] = forms.ChoiceField(
                label=competency.title, required=False, choices=choices, widget=forms.RadioSelect,
                help_text=competency.description, error_messages={"invalid_choice": "Choose a rating from the scale"})
        for n in range(1, ACTION_SLOTS + 1):
            self.fields[f"action_{n}"] = forms.CharField(label=f"Action {n} (optional)", required=False,
                                                         max_length=500)
            self.fields[f"action_{n}_due"] = date_field(f"Action {n} due by", required=False)

    def clean(self):
        data = super().clean()
        for n in range(1, ACTION_SLOTS + 1):
            text = (data.get(f"action_{n}") or "").strip()
            due = data.get(f"action_{n}_due")
            if text and not due and f"action_{n}_due" not in self.errors:
                self.add_error(f"action_{n}_due", f"Enter the date action {n} is due by")
            if due and not text:
                self.add_error(f"action_{n}", f"Describe action {n}, or clear its date")
        return data

    def rating_fields(self):
        return [self[f"rating_{c.pk}"] for c in self.competencies]

    def action_fields(self):
        return [(self[f"action_{n}"], self[f"action_{n}_due"]) for n in range(1, ACTION_SLOTS + 1)]

    def ratings(self) -> dict[int, int]:
        return {c.pk: int(self.cleaned_data[f"rating_{c.pk}"]) for c in self.competencies
                if self.cleaned_data.get(f"rating_{c.pk}")}

    def actions(self):
        return [ActionInput(self.cleaned_data[f"action_{n}"], self.cleaned_data[f"action_{n}_due"])
                for n in range(1, ACTION_SLOTS + 1) if (self.cleaned_data.get(f"action_{n}") or "").strip()]


class DesignationReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=DesignationOutcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose the outcome of the review"})
    extend_to = date_field("Extend the review to (for an extension)", required=False)
    reason = text_field("Reason", rows=5, max_length=5000, required_message="Give the reason for the outcome",
                        help_text="The leader is told the outcome; for a de-designation, the reason too")
    seen_review_due = forms.DateField(widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])

    def clean(self):
        data = super().clean()
        if data.get("outcome") == DesignationOutcome.EXTEND and not data.get("extend_to") \
                and "extend_to" not in self.errors:
            self.add_error("extend_to", "Enter the date the review is extended to")
        return data
