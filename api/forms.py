from __future__ import annotations

from django import forms
from django.db.models import Q

from alliances.models import Cluster, LocalAuthority, PartnershipSchool
from api.models import Resource, WebhookEvent
from portal.ui.fields import date_field


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100,
                           help_text="What will use it, so you can tell tokens apart: for example, the county's data "
                                     "warehouse", error_messages={"required": "Enter a name for the token"})
    scopes = forms.MultipleChoiceField(
        label="Resources it may read", choices=Resource.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one resource the token may read"})
    local_authorities = forms.MultipleChoiceField(
        label="Local authorities (optional)", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Limit every resource to schools in these local authorities. Choose none for all of them.")
    contacts = forms.BooleanField(label="Include system leaders' email addresses and phone numbers", required=False)
    expires_on = date_field("Expiry date", help_text="The token stops working after this day. For example, 31/8/2027")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.las = LocalAuthority.objects.filter(
            Q(code__in=PartnershipSchool.objects.filter(partnership=partnership).values("school__la"))
            | Q(code__in=Cluster.objects.filter(partnership=partnership).values("la"))).order_by("name")
        self.fields["local_authorities"].choices = [(la.code, f"{la.name} ({la.code})") for la in self.las]

    def chosen_local_authorities(self) -> list[LocalAuthority]:
        codes = set(self.cleaned_data.get("local_authorities") or [])
        return [la for la in self.las if la.code in codes]


class WebhookForm(forms.Form):
    url = forms.URLField(label="Address", max_length=500, assume_scheme="https",
                         help_text="Where to post the events. It must start with https://",
                         error_messages={"required": "Enter the address to post events to",
                                         "invalid": "Enter a web address, like https://example.org/hooks/s2s"})
    events = forms.MultipleChoiceField(label="Events", choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose at least one event"})
