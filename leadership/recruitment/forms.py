"""Recruitment forms: a round, its panel, an invitation, an application's answers, the head's endorsement, a panel
member's scores and the decision, a talent-pool nomination and its filters, and an induction step."""

from __future__ import annotations

from django import forms

from alliances.forms import SchoolField
from alliances.models import LEADER_PHASES
from leadership.models import SCORE_MEANINGS, Outcome
from portal.ui.fields import date_field, text_field

PHASE_CHOICES = list(LEADER_PHASES.items())
MAX_CRITERIA = 12


def _specialism_field(label: str, *, required: bool = True) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=required, widget=forms.CheckboxSelectMultiple,
                                     error_messages={"required": "Choose at least one specialism",
                                                     "invalid_choice": "Choose from the partnership's specialisms"})


def _phase_field(label: str, *, required: bool = True) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=required, choices=PHASE_CHOICES,
                                     widget=forms.CheckboxSelectMultiple,
                                     error_messages={"required": "Choose at least one phase"})


class RoundForm(forms.Form):
    designation = forms.ChoiceField(label="Which designation is this round for?", widget=forms.RadioSelect,
                                    error_messages={"required": "Choose the designation"})
    title = forms.CharField(label="Title", max_length=200, help_text="For example, SLE recruitment, spring 2027",
                            error_messages={"required": "Enter a title"})
    description = text_field("What the round is looking for (optional)", required=False, max_length=4000)
    opens_on = date_field("Opens on")
    closes_on = date_field("Closes on")
    criteria = text_field("Criteria", rows=8, max_length=6000,
                          help_text="One criterion a line. Add guidance for candidates after a colon, like "
                                    "\u201cImpact: evidence of improving outcomes beyond your own class\u201d",
                          required_message="Write at least one criterion")
    specialisms = _specialism_field("Specialisms sought (optional)", required=False)
    phases = _phase_field("Phases sought (optional)", required=False)

    def __init__(self, *args, designations: dict[str, str], specialisms: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["designation"].choices = [(code, f"{label} ({code})") for code, label in designations.items()]
        self.fields["specialisms"].choices = [(str(s.pk), s.name) for s in specialisms]

    def clean_criteria(self) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data["criteria"].splitlines():
            title, _, guidance = line.strip().partition(":")
            if title.strip():
                if len(title.strip()) > 200:
                    raise forms.ValidationError("Keep each criterion's title to 200 characters or fewer")
                rows.append((title.strip(), guidance.strip()))
        if not rows:
            raise forms.ValidationError("Write at least one criterion")
        if len(rows) > MAX_CRITERIA:
            raise forms.ValidationError(f"Write {MAX_CRITERIA} criteria or fewer")
        return rows

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "The closing date must be on or after the opening date")
        return data


class PanelForm(forms.Form):
    members = forms.MultipleChoiceField(label="Who sits on the panel?", widget=forms.CheckboxSelectMultiple,
                                        help_text="Brokers and approvers of the steering group",
                                        error_messages={"required": "Choose the panel's members"})

    def __init__(self, *args, members: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(str(m.pk), f"{m.user.get_full_name()} ({m.get_role_display()})")
                                          for m in members]


class InviteForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=150, error_messages={"required": "Enter their name"})
    email = forms.EmailField(label="Email address", max_length=254,
                             error_messages={"required": "Enter their email address",
                                             "invalid": "Enter an email address like name@school.sch.uk"})
    school = SchoolField(label="Their school's URN (optional)", required=False,
                         help_text="Its headteacher endorses the application")


class TalentInviteForm(forms.Form):
    round = forms.ChoiceField(label="Which round should they apply to?", widget=forms.RadioSelect,
                              error_messages={"required": "Choose a published round"})

    def __init__(self, *args, rounds: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [(str(r.pk), r.title) for r in rounds]


class ApplicationForm(forms.Form):
    """A draft's answers; nothing is required until it is sent (the check page lists what is missing)."""

    role_title = forms.CharField(label="Your current role", max_length=150, required=False,
                                 help_text="For example, assistant headteacher for teaching and learning")
    school = SchoolField(label="Your school's URN", required=False,
                         help_text="Its headteacher endorses your application and agrees to release you")
    specialisms = _specialism_field("Your specialisms", required=False)
    phases = _phase_field("Phases you can support", required=False)

    def __init__(self, *args, specialisms: list, criteria: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialisms"].choices = [(str(s.pk), s.name) for s in specialisms]
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"evidence_{criterion.pk}"] = text_field(
                f"Your evidence: {criterion.title}", required=False, rows=6, max_length=4000,
                help_text=criterion.guidance)

    def evidence(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"evidence_{c.pk}", "") for c in self.criteria}

    def evidence_fields(self) -> list:
        return [self[f"evidence_{c.pk}"] for c in self.criteria]


class EndorseForm(forms.Form):
    decision = forms.ChoiceField(label="Do you endorse this application?", widget=forms.RadioSelect,
                                 choices=[("yes", "Yes, I endorse it"), ("no", "No, I do not endorse it")],
                                 error_messages={"required": "Say whether you endorse the application"})
    statement = text_field("Your statement", max_length=4000, help_text="What the panel (or, if you do not endorse "
                           "it, the candidate) should know", required_message="Write your statement")
    release_consent = forms.BooleanField(
        label="I agree to release them for deployments as a system leader", required=False,
        help_text="You can withdraw consent later for future deployments from your home page")


class ScoreForm(forms.Form):
    def __init__(self, *args, criteria: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"Score: {criterion.title}", coerce=int, widget=forms.RadioSelect,
                choices=[(str(k), f"{k}: {v}") for k, v in SCORE_MEANINGS.items()],
                error_messages={"required": f"Score \u201c{criterion.title}\u201d from 1 to 4"})
            self.fields[f"comment_{criterion.pk}"] = text_field(f"Comment on {criterion.title} (optional)",
                                                                required=False, rows=3, max_length=2000)

    def scores(self) -> dict[int, tuple[int, str]]:
        return {c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"]) for c in self.criteria}

    def pairs(self) -> list:
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="The panel's decision", widget=forms.RadioSelect, choices=Outcome.choices,
                                error_messages={"required": "Choose the decision"})
    rationale = text_field("Rationale", max_length=4000, help_text="Why the panel decided this (the steering group "
                           "reads it; the candidate does not)", required_message="Give the panel's rationale")
    feedback = text_field("Feedback for the candidate", max_length=4000, required_message="Write feedback for the "
                          "candidate", help_text="Sent to the candidate with the outcome")


class NominationForm(forms.Form):
    name = forms.CharField(label="Their full name", max_length=150, error_messages={"required": "Enter their name"})
    email = forms.EmailField(label="Their email address", max_length=254,
                             error_messages={"required": "Enter their email address",
                                             "invalid": "Enter an email address like name@school.sch.uk"})
    role_title = forms.CharField(label="Their current role", max_length=150,
                                 error_messages={"required": "Enter their current role"})
    school = forms.ChoiceField(label="Their school", widget=forms.RadioSelect,
                               error_messages={"required": "Choose their school"})
    specialisms = _specialism_field("Their strengths (specialisms)", required=False)
    phases = _phase_field("Phases")
    why = text_field("Why are you nominating them?", max_length=4000, required_message="Say why you nominate them")

    def __init__(self, *args, schools: list, specialisms: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.urn, f"{s.name} (URN {s.urn})") for s in schools]
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].urn
        self.fields["specialisms"].choices = [(str(s.pk), s.name) for s in specialisms]


class TalentFilter(forms.Form):
    specialism = forms.ChoiceField(label="Specialism", required=False)
    phase = forms.ChoiceField(label="Phase", required=False, choices=[("", "Any phase"), *PHASE_CHOICES])

    def __init__(self, *args, specialisms: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialism"].choices = [("", "Any specialism"), *[(str(s.pk), s.name) for s in specialisms]]


class InductionItemForm(forms.Form):
    title = forms.CharField(label="Step", max_length=200, error_messages={"required": "Name the step"})
    description = text_field("What the leader does (optional)", required=False, max_length=2000)
    service = forms.ChoiceField(label="Counts as done with a place on (optional)", required=False,
                                help_text="Done when the leader's school has a confirmed order for this place")
    programme = forms.ChoiceField(label="Counts as done with a place on a cohort of (optional)", required=False,
                                  help_text="Done when the leader holds an accepted place on one of its cohorts")

    def __init__(self, *args, services: list, programmes: list = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "No programme"), *[(str(p.pk), p.title) for p in programmes]]
        self.fields["service"].choices = [("", "No programme place"),
                                          *[(str(s.pk), f"{s.name} ({s.catalogue.academic_year})") for s in services]]
