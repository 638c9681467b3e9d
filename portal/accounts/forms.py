from __future__ import annotations

from django import forms


class SignupExtraForm(forms.Form):
    """Asked at sign-up besides email and password: the name colleagues will see."""

    name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="Shown to the people you work with in the portal.",
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )

    def signup(self, request, user) -> None:
        user.name = self.cleaned_data["name"].strip()
        user.save(update_fields=["name"])
