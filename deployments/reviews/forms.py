"""Writing a review and answering it."""

from __future__ import annotations

from django import forms

from deployments.models import LINK_PARTNER_ELEMENTS, OUTCOME_GROUPS, OUTCOMES, Met, Rag
from portal.ui.fields import text_field


class ReviewForm(forms.Form):
    """The review a system leader writes: per objective progress and evidence, then the whole picture."""

    overall_progress = text_field("Overall progress", required=False, rows=5, max_length=5000,
                             help_text="Succinct and evaluative: what has changed this term and what has not")
    impact_score = forms.TypedChoiceField(
        label="Impact score", required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
        choices=[(str(n), str(n)) for n in range(1, 11)], help_text="1 is no impact yet, 10 is transformational")
    next_steps = text_field("Next steps", required=False, rows=4, max_length=5000)

    def __init__(self, *args, objectives, final: bool, link_partner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        self.final = final
        self.link_partner = link_partner
        # A link partner's report follows seed 003's seven elements, each a section of its own.
        for key, label in LINK_PARTNER_ELEMENTS if link_partner else []:
            self.fields[f"section_{key}"] = text_field(label, required=False, rows=3, max_length=2000)
        for objective in objectives:
            self.fields[f"rag_{objective.pk}"] = forms.ChoiceField(
                label="Progress", required=False, choices=Rag.choices, widget=forms.RadioSelect)
            self.fields[f"evidence_{objective.pk}"] = text_field("Evidence", required=False, rows=3, max_length=5000)
            if final:
                self.fields[f"met_{objective.pk}"] = forms.ChoiceField(
                    label="Were the success criteria met?", required=False, choices=Met.choices, widget=forms.RadioSelect)
        if final:
            self.fields["own_school_benefit"] = text_field(
                "How has your own school benefited from this work? (optional)", required=False, rows=3, max_length=2000,
                help_text="For example staff who developed, practice brought back, links made. The steering group "
                          "counts these benefits for the schools its system leaders come from.")
        for group, label in OUTCOME_GROUPS.items():
            self.fields[f"outcomes_{group}"] = forms.MultipleChoiceField(
                label=label, required=False, choices=OUTCOMES[group], widget=forms.CheckboxSelectMultiple)
        # The page order, so the error summary lists problems in the order the page shows them.
        self.order_fields([*(name for o in objectives for name in (f"rag_{o.pk}", f"evidence_{o.pk}", f"met_{o.pk}")),
                           *(f"section_{key}" for key, _ in LINK_PARTNER_ELEMENTS), "overall_progress", "impact_score", *(f"outcomes_{g}" for g in OUTCOME_GROUPS), "next_steps", "own_school_benefit"])

    def objective_fields(self):
        return [(o, self[f"rag_{o.pk}"], self[f"evidence_{o.pk}"], self[f"met_{o.pk}"] if self.final else None)
                for o in self.objectives]

    def section_fields(self):
        return [self[f"section_{key}"] for key, _ in LINK_PARTNER_ELEMENTS] if self.link_partner else []

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
        for key, label in LINK_PARTNER_ELEMENTS if self.link_partner else []:
            if not (data.get(f"section_{key}") or "").strip():
                self.add_error(f"section_{key}", f"Write the section: {label[0].lower()}{label[1:]}")
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
            "sections": {key: data.get(f"section_{key}") or "" for key, _ in LINK_PARTNER_ELEMENTS}
            if self.link_partner else {},
            **({"own_school_benefit": data.get("own_school_benefit") or ""} if self.final else {}),
        }


class ReviewAnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Do you agree this review?", widget=forms.RadioSelect, choices=[
        ("agree", "Yes, agree it: it becomes final"), ("return", "No, return it to the system leader with comments")],
        error_messages={"required": "Select whether you agree the review"})
    comments = text_field("Your comments", required=False, rows=4, max_length=5000,
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
