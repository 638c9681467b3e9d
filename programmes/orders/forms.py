"""Starting an order, choosing services, accepting each service's terms, and the orders list's filters."""

from __future__ import annotations

import django_filters
from django import forms

from alliances.filters import SEARCH_MAX
from portal.ui.filtering import ListFilter, search_q
from programmes.models import OrderStatus
from programmes.orders.services import MAX_QUANTITY, Choice


class StartOrderForm(forms.Form):
    school = forms.ChoiceField(label="Which school is this order for?", widget=forms.RadioSelect,
                               error_messages={"required": "Choose the school the order is for",
                                               "invalid_choice": "Choose one of the schools you lead"})
    catalogue = forms.ChoiceField(label="Which year's catalogue?", widget=forms.RadioSelect,
                                  error_messages={"required": "Choose the catalogue to order from",
                                                  "invalid_choice": "Choose one of the published catalogues"})

    def __init__(self, *args, schools, catalogues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.urn, f"{s.name} (URN {s.urn})") for s in schools]
        self.fields["catalogue"].choices = [(str(c.pk), c.title) for c in catalogues]
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].urn
        if len(catalogues) == 1:
            self.fields["catalogue"].initial = str(catalogues[0].pk)


class OrderForm(forms.Form):
    """One field per service the school may buy: a number for packages and places, a tick for the rest."""

    purchase_order = forms.CharField(
        label="Purchase order number (optional)", max_length=40, required=False,
        help_text="Your school's purchase order number, if your finance office needs it on the invoice",
        error_messages={"max_length": "Keep the purchase order number to 40 characters or fewer"})
    payg_beyond_balance = forms.TypedChoiceField(
        label="If your school uses more support than the days it has bought, may it be charged pay as you go?",
        choices=[("yes", "Yes, charge extra days pay as you go"), ("no", "No, stop at the days we have bought")],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        error_messages={"required": "Say whether extra days may be charged pay as you go"})

    def __init__(self, *args, choices: list[Choice], lines: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = [choice for choice in choices if not choice.problem]
        self.unavailable = [choice for choice in choices if choice.problem]
        for choice in self.choices:
            service = choice.service
            name = f"service_{service.pk}"
            if choice.countable:
                self.fields[name] = forms.IntegerField(
                    label=f"How many of {service.name}?", required=False, min_value=0, max_value=MAX_QUANTITY,
                    initial=lines.get(service.pk, 0), widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                    help_text="0 if you do not want it",
                    error_messages={"invalid": f"Enter a whole number of {service.name}, like 1",
                                    "min_value": "The number cannot be negative",
                                    "max_value": f"Order at most {MAX_QUANTITY} at once"})
            else:
                self.fields[name] = forms.BooleanField(label=f"Order {service.name}", required=False,
                                                       initial=service.pk in lines)
        self.order_fields([f"service_{choice.service.pk}" for choice in self.choices]
                          + ["purchase_order", "payg_beyond_balance"])

    def rows(self):
        return [(choice, self[f"service_{choice.service.pk}"]) for choice in self.choices]

    def quantities(self) -> dict[int, int]:
        found = {}
        for choice in self.choices:
            value = self.cleaned_data.get(f"service_{choice.service.pk}")
            found[choice.service.pk] = int(value or 0) if choice.countable else int(bool(value))
        return found


class TermsForm(forms.Form):
    """A tick for each service's terms: every one must be accepted before the order is sent."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"terms_{line.service_id}"] = forms.BooleanField(
                label=f"I accept the terms of {line.service.name} on behalf of the school",
                error_messages={"required": f"Accept the terms of {line.service.name} to send the order"})

    def rows(self):
        return [(line, self[f"terms_{line.service_id}"]) for line in self.lines]

    def accepted(self) -> set[int]:
        return {line.service_id for line in self.lines if self.cleaned_data.get(f"terms_{line.service_id}")}


class OrderFilter(ListFilter):
    default_order = ("-submitted_at", "-created_at")

    q = django_filters.CharFilter(label="School or reference", method="search", max_length=SEARCH_MAX,
                                  help_text="A school's name or URN, or a reference like O00042")
    status = django_filters.ChoiceFilter(label="Status", choices=OrderStatus.choices, empty_label="Any status")
    year = django_filters.ChoiceFilter(label="Academic year", field_name="catalogue__academic_year", choices=[],
                                       empty_label="Any year")

    def __init__(self, data=None, *args, years=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["year"].extra["choices"] = [(year, year.replace("-", " to ")) for year in years]

    def search(self, queryset, name, value):
        q = search_q(value, text=("school__name",), references={"O": "pk"}, urn="school")
        return queryset if q is None else queryset.filter(q)
