"""The catalogue's forms: its details, a service, and copying it forward. The rules are `rules`' (one list)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from alliances.models import Phase
from portal.ui.fields import DaysField, date_field, text_field
from programmes.catalogue.rules import SCHOOL_TYPE_GROUPS, catalogue_problems, service_problems
from programmes.models import CancellationRule, InvoiceSchedule, Service, ServiceKind
from programmes.money import start_year

BUYERS = [("members", "Member schools of the partnership"), ("non_members", "Schools outside the partnership")]


def _price(label: str, *, required: bool, help_text: str = "In pounds, like 350 or 412.50") -> forms.DecimalField:
    what = label.lower().replace(" (optional)", "")
    return forms.DecimalField(
        label=label, required=required, min_value=0, max_value=9999999, decimal_places=2, help_text=help_text,
        error_messages={"required": f"Enter the {what}", "invalid": f"Enter the {what} in pounds, like 350",
                        "min_value": f"The {what} cannot be negative",
                        "max_value": f"Enter a {what} under £10,000,000",
                        "max_decimal_places": "Use pounds and pence, like 412.50"})


def _add(form: forms.Form, problems) -> None:
    for problem in problems:
        field = problem.field if problem.field in form.fields else None
        if field is None or field not in form.errors:
            form.add_error(field, problem.message)


class CatalogueForm(forms.Form):
    academic_year = forms.CharField(
        label="Academic year", max_length=7, help_text="For example 2026-27",
        error_messages={"required": "Enter the academic year, like 2026-27"})
    title = forms.CharField(label="Title", max_length=200, help_text="For example, Services to schools 2026-27",
                            error_messages={"required": "Enter the catalogue's title",
                                            "max_length": "Keep the title to 200 characters or fewer"})
    introduction = text_field("Introduction (optional)", required=False, max_length=5000, rows=5,
                              help_text="What headteachers read first: what the partnership offers schools this year")
    cancellation_rule = forms.ChoiceField(label="When may a school cancel?", choices=CancellationRule.choices,
                                          widget=forms.RadioSelect,
                                          error_messages={"required": "Choose when a school may cancel"})
    cancellation_notice_days = forms.IntegerField(
        label="Days' notice (for a notice period)", required=False, min_value=0, max_value=365,
        error_messages={"invalid": "Enter the days' notice as a whole number, like 30",
                        "min_value": "The notice cannot be negative", "max_value": "Enter 365 days or fewer"})
    invoice_schedule = forms.ChoiceField(label="When are schools invoiced?", choices=InvoiceSchedule.choices,
                                         widget=forms.RadioSelect,
                                         error_messages={"required": "Choose when schools are invoiced"})
    renewal_deadline = date_field("Renewal deadline (optional)", required=False, help_text="For example, 31/3/2027")

    def __init__(self, *args, year_fixed: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.year_fixed = year_fixed
        if year_fixed:
            del self.fields["academic_year"]

    def clean_academic_year(self) -> str:
        year = self.cleaned_data["academic_year"].strip()
        try:
            start_year(year)
        except ValueError:
            raise forms.ValidationError("Enter the academic year like 2026-27") from None
        return year

    def clean(self):
        data = super().clean()
        year = self.year_fixed or data.get("academic_year")
        if year:
            data["cancellation_notice_days"] = data.get("cancellation_notice_days") or 0
            _add(self, catalogue_problems(data, academic_year=year))
        return data

    def values(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "academic_year"}


class ServiceForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={
        "required": "Enter the service's name", "max_length": "Keep the name to 200 characters or fewer"})
    kind = forms.ChoiceField(label="Kind of service", choices=ServiceKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of service"})
    description = text_field("Description", max_length=5000, rows=6, help_text="What the school gets",
                             required_message="Describe the service")
    terms = text_field("Terms (optional)", required=False, max_length=5000, rows=4,
                       help_text="The terms a headteacher accepts when ordering it")
    buyers = forms.MultipleChoiceField(label="Who may buy it", choices=BUYERS, widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose who may buy the service"})
    phases = forms.MultipleChoiceField(label="Phases (optional)", choices=Phase.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text="Leave all unticked for every phase")
    school_type_groups = forms.MultipleChoiceField(
        label="Types of school (optional)", choices=[(g, g) for g in SCHOOL_TYPE_GROUPS], required=False,
        widget=forms.CheckboxSelectMultiple, help_text="GIAS establishment groups. Leave all unticked for every type")
    days = DaysField(label="Days included", min_value=0, max_value=200, example="1 or 2.5",
                     help_text="For a package, link partner days or a core entitlement; 0 for pay as you go")
    half_days_allowed = forms.BooleanField(label="The days may be taken as half days", required=False)
    annual = forms.BooleanField(label="An annual charge, split 7/12 and 5/12 across the two financial years",
                                required=False)
    member_price = _price("Member price", required=True)
    non_member_price = _price("Non-member price (optional)", required=False,
                              help_text="Needed when schools outside the partnership may buy it")
    academy_price = _price("Academy price (optional)", required=False,
                           help_text="Only if member academies pay differently; empty means the member price")
    order_opens = date_field("Orders open (optional)", required=False)
    order_closes = date_field("Orders close (optional)", required=False)
    starts_on = date_field("Service starts (optional)", required=False,
                           help_text="Cancellation follows it. For example, 1/9/2026")
    limit = forms.IntegerField(label="Limit (optional)", required=False, min_value=1, max_value=100000,
                               help_text="How many can be sold; empty for no limit",
                               error_messages={"invalid": "Enter the limit as a whole number, like 20",
                                               "min_value": "Enter a limit of at least 1, or leave it empty",
                                               "max_value": "Enter a limit of 100,000 or fewer"})

    def __init__(self, *args, academic_year: str, sold: int = 0, instance: Service | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in self.base_fields if hasattr(instance, name)},
                "buyers": [key for key, on in (("members", instance.for_members),
                                               ("non_members", instance.for_non_members)) if on]}
        super().__init__(*args, **kwargs)
        self.academic_year, self.sold = academic_year, sold
        if not self.is_bound and "days" not in self.initial:
            self.initial["days"] = Decimal(0)

    def clean(self):
        data = super().clean()
        if not self.errors:
            _add(self, service_problems(self.values(), academic_year=self.academic_year, sold=self.sold))
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        buyers = data.pop("buyers", [])
        data["for_members"], data["for_non_members"] = "members" in buyers, "non_members" in buyers
        data["days"] = data.get("days") or Decimal(0)
        return data


class CopyForm(forms.Form):
    academic_year = forms.CharField(label="Copy to the academic year", max_length=7, help_text="For example 2027-28",
                                    error_messages={"required": "Enter the academic year, like 2027-28"})
    uplift_percent = forms.DecimalField(
        label="Uplift on every price", min_value=Decimal("-99.99"), max_value=100, decimal_places=2,
        help_text="A percentage, like 3 or 2.5; 0 keeps the prices",
        error_messages={"required": "Enter the uplift, or 0 to keep the prices",
                        "invalid": "Enter the uplift as a percentage, like 3 or 2.5",
                        "min_value": "The uplift cannot be -100% or lower", "max_value": "Enter an uplift of 100% or less",
                        "max_decimal_places": "Use at most two decimal places, like 2.25"})
    title = forms.CharField(label="Title of the new catalogue", max_length=200,
                            error_messages={"required": "Enter the new catalogue's title",
                                            "max_length": "Keep the title to 200 characters or fewer"})

    def clean_academic_year(self) -> str:
        year = self.cleaned_data["academic_year"].strip()
        try:
            start_year(year)
        except ValueError:
            raise forms.ValidationError("Enter the academic year like 2027-28") from None
        return year
