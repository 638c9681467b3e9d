from __future__ import annotations

import re

from django import forms

from portal.sso.models import SignInProvider

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SignInProviderForm(forms.Form):
    """One provider's settings in a partnership (prefixed with the provider id on the page)."""

    allowed = forms.BooleanField(required=False)
    email_domains = forms.CharField(
        required=False, label="Email domains", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "none"}),
        help_text="One a line, the part after the @, for example stmarys.herts.sch.uk. Only these addresses may "
                  "sign in this way.",
    )
    enforces_mfa = forms.BooleanField(required=False)

    def __init__(self, *args, row: SignInProvider, **kwargs):
        name = row.get_provider_display()
        initial = {"allowed": row.allowed, "email_domains": row.email_domains, "enforces_mfa": row.enforces_mfa}
        super().__init__(*args, prefix=row.provider, initial=initial, **kwargs)
        self.row = row
        self.provider_name = name
        self.fields["allowed"].label = f"Members may sign in with {name}"
        self.fields["email_domains"].label = f"Email domains that may sign in with {name}"
        self.fields["enforces_mfa"].label = f"{name} makes these accounts use a second factor"
        self.fields["enforces_mfa"].help_text = (
            "Tick only when your organisation's settings make every account in these domains use one (for example "
            "Conditional Access or 2-Step Verification enforced). Staff roles then are not asked for the portal's "
            "own code after signing in this way.")

    def clean_email_domains(self) -> list[str]:
        domains: list[str] = []
        for line in self.cleaned_data["email_domains"].replace(",", "\n").splitlines():
            domain = line.strip().lower().removeprefix("@")
            if not domain:
                continue
            if not DOMAIN.match(domain):
                raise forms.ValidationError(f"Enter email domains like stmarys.herts.sch.uk; “{line.strip()}” is not one")
            if domain not in domains:
                domains.append(domain)
        return domains

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("allowed") and "email_domains" in cleaned and not cleaned["email_domains"]:
            self.add_error("email_domains", f"Enter at least one email domain, or stop allowing {self.provider_name} "
                                            "sign-in")
        return cleaned
