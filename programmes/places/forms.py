"""Nominating a member of staff, applying for a place, and a head's endorsement."""

from __future__ import annotations

from django import forms

from portal.ui.fields import text_field


class NominateForm(forms.Form):
    school = forms.ChoiceField(label="Which school are they from?", widget=forms.RadioSelect,
                               error_messages={"required": "Choose their school",
                                               "invalid_choice": "Choose one of the schools you lead"})
    name = forms.CharField(label="Full name", max_length=150,
                           error_messages={"required": "Enter their full name",
                                           "max_length": "Keep the name to 150 characters or fewer"})
    email = forms.EmailField(label="Email address", max_length=254,
                             help_text="Their invitation to the programme goes here if the place is accepted",
                             error_messages={"required": "Enter their email address",
                                             "invalid": "Enter an email address like name@school.sch.uk",
                                             "max_length": "Keep the email address to 254 characters or fewer"})
    job_role = forms.CharField(label="Role in school", max_length=150, help_text="For example, Year 6 teacher",
                               error_messages={"required": "Enter their role in school",
                                               "max_length": "Keep the role to 150 characters or fewer"})

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.urn, f"{s.name} (URN {s.urn})") for s in schools]
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].urn


class ApplyForm(forms.Form):
    statement = text_field("Why do you want a place?", max_length=3000,
                           help_text="Your headteacher endorses it first, then the steering group decides",
                           required_message="Say why you want a place")


class EndorseForm(forms.Form):
    decision = forms.ChoiceField(label="Do you endorse this application?", widget=forms.RadioSelect,
                                 choices=[("yes", "Yes, I endorse it"), ("no", "No, I do not endorse it")],
                                 error_messages={"required": "Say whether you endorse the application"})
    note = text_field("If not, why not? (the applicant will read it)", required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "no" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why you do not endorse it")
        return data
