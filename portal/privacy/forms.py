from __future__ import annotations

from django import forms


class FindPersonForm(forms.Form):
    q = forms.CharField(
        label="Name or email address", max_length=254, min_length=2,
        help_text="Part of a name or an address is enough.",
        error_messages={"required": "Enter a name or an email address",
                        "min_length": "Enter at least 2 characters of a name or an email address",
                        "max_length": "Enter no more than 254 characters"},
    )
