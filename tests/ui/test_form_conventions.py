"""Every free-text field in the project has a length limit, enforced by its form and shown by GOV.UK's character
count; forward-looking dates in the past need an explicit "Yes, this date is in the past".

The convention tests walk every form and filter class in the project's apps (declared fields, and the fields a
form adds when it can be built without arguments) and every text-field constructor call in the source (the fields
forms add in `__init__`), so a new text box without a limit fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from datetime import timedelta
from pathlib import Path

import django_filters
from bs4 import BeautifulSoup
from django import forms
from django.template import Context, Template
from django.utils import timezone

from alliances.filters import LeaderFilter, SchoolFilter
from alliances.forms import AllianceForm
from deployments.brokerage.forms import ProposalForm
from portal.ui.fields import NoteForm

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "alliances", "deployments", "reporting")
# Text fields whose constructor sets no limit unless told: a call to one of these must pass max_length.
UNLIMITED_BY_DEFAULT = {"CharField", "RegexField", "SlugField", "JSONField", "CharFilter"}


def _sources() -> list[Path]:
    return [path for app in APPS for path in (ROOT / app).rglob("*.py")
            if "migrations" not in path.parts and "management" not in path.parts]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _classes() -> list[type]:
    found = []
    for path in _sources():
        module = importlib.import_module(_module_name(path))
        found += [obj for obj in vars(module).values()
                  if inspect.isclass(obj) and obj.__module__ == module.__name__
                  and issubclass(obj, forms.BaseForm | django_filters.FilterSet)]
    return found


def _unlimited(cls: type) -> list[str]:
    if issubclass(cls, django_filters.FilterSet):
        return [name for name, f in cls.base_filters.items()
                if issubclass(f.field_class, forms.CharField) and not f.extra.get("max_length")]
    fields = dict(cls.base_fields)
    try:
        fields.update(cls().fields)  # fields added in __init__, when the form can be built bare
    except TypeError:
        pass
    return [name for name, field in fields.items() if isinstance(field, forms.CharField) and not field.max_length]


def test_the_walk_finds_the_projects_forms():
    names = {cls.__name__ for cls in _classes()}
    assert {"VisitForm", "ProposalForm", "ReviewForm", "AllianceForm", "NoteForm", "SchoolFilter",
            "PartnershipAdminForm"} <= names


def test_every_free_text_field_in_every_form_has_a_length_limit():
    missing = [f"{cls.__module__}.{cls.__name__}.{name}" for cls in _classes() for name in _unlimited(cls)]
    assert not missing, "Give these text fields a max_length (portal.ui.fields.text_field has one):\n" + "\n".join(missing)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_model_field(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "models"


def test_no_text_field_is_built_without_a_limit_even_inside_a_forms_init():
    missing = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and _call_name(node) in UNLIMITED_BY_DEFAULT and not _is_model_field(node)
                    and not any(k.arg in ("max_length", None) for k in node.keywords)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {_call_name(node)}")
    assert not missing, "Pass max_length to these text fields:\n" + "\n".join(missing)


def test_a_55000_character_answer_is_refused_with_a_plain_message():
    form = AllianceForm({"name": "Fenland alliance", "description": "x" * 55_000, "lead": ""})
    assert not form.is_valid()
    assert form.errors["description"] == ["Keep it to 2,000 characters or fewer"]


def test_a_limited_textarea_is_a_govuk_character_count_that_works_without_javascript():
    form = NoteForm({"note": "y" * 2001}, label="Why?", required=True)
    form.is_valid()
    html = Template("{% govuk_field form.note %}").render(Context({"form": form}))
    soup = BeautifulSoup(html, "html.parser")
    group = soup.find("div", class_="govuk-character-count")
    assert group["data-module"] == "govuk-character-count" and group["data-maxlength"] == "2000"
    textarea = soup.find("textarea")
    assert "govuk-js-character-count" in textarea["class"] and not textarea.has_attr("maxlength")
    info = soup.find(id=f"{textarea['id']}-info")
    assert info.get_text(strip=True) == "You can enter up to 2,000 characters"
    assert f"{textarea['id']}-info" in textarea["aria-describedby"].split()
    assert "Keep it to 2,000 characters or fewer" in soup.find(class_="govuk-error-message").get_text()


def _proposal(start, **extra) -> ProposalForm:
    data = {"days": "3", "rate_kind": "member", "day_rate": "350", "funder": "school",
            "start_date": start.strftime("%d/%m/%Y"), "end_date": (start + timedelta(days=60)).strftime("%d/%m/%Y"),
            "objective_1_area": "", **extra}
    form = ProposalForm(data, areas=None)
    # Only the dates matter here: the objectives' need areas come from the partnership's taxonomy.
    form.fields = {k: v for k, v in form.fields.items() if not k.startswith("objective_")}
    return form


def test_a_proposal_starting_in_the_past_needs_an_explicit_confirmation():
    past = timezone.localdate() - timedelta(days=30)
    refused = _proposal(past)
    assert not refused.is_valid()
    assert refused.errors["start_date"] == ["The start date is in the past. Check it, or tick \u201cYes, this date is "
                                           "in the past\u201d if it is right"]
    assert refused.asks_past_confirmation
    confirmed = _proposal(past, confirm_past="on")
    assert confirmed.is_valid(), confirmed.errors
    future = _proposal(timezone.localdate())
    assert future.is_valid(), future.errors
    assert not future.asks_past_confirmation


def test_search_boxes_have_a_limit_too():
    assert SchoolFilter.base_filters["q"].extra["max_length"] == LeaderFilter.base_filters["q"].extra["max_length"] == 100
