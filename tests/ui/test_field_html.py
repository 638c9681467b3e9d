"""`govuk_field` writes the form group and its selects in Python; these tests render each branch both ways, the old
way (Django's widget templates, templates/govuk/fields/input.html) and the new, and compare them byte for byte."""

from __future__ import annotations

import django_filters
import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from alliances.models import LocalAuthority
from portal.ui.templatetags.govuk import _attributes, _input_layout, _select, govuk_field

NASTY = 'Tom & "Jerry" <b>'


class Sorted(django_filters.FilterSet):
    sort = django_filters.OrderingFilter(fields=(("name", "name"), ("size", "size")),
                                         field_labels={"name": "Name <a>", "size": "Size & \"shape\""},
                                         empty_label="Newest first", label="Sort by", help_text="")
    grouped = django_filters.OrderingFilter(fields=(("name", "name"),), label=NASTY)


class Fields(forms.Form):
    text = forms.CharField(label=NASTY, help_text=NASTY, max_length=5, required=False)
    needed = forms.CharField(label="Needed")
    plain = forms.ChoiceField(choices=[("", "Any <thing>"), ("x", 'X & "Y"'), ("x", "X again"), ("Group", [("g1", "G1"), ("g2", "G2")]),
                                       (None, "None")], required=False, help_text="Pick one")
    empty = forms.ChoiceField(choices=[], required=False)
    numbers = forms.TypedChoiceField(choices=[(1, 1.5), (2, 2)], coerce=int, required=False)
    la = forms.ModelChoiceField(queryset=LocalAuthority.objects.order_by("code"), required=False, empty_label="Any")
    day = forms.DateField(required=False)

    def clean(self):
        if self.data.get("text") == "two":
            self.add_error("text", "First <problem>")
            self.add_error("text", 'Second & "problem"')
        return self.cleaned_data


def _old_select(bound: forms.BoundField, attrs: dict) -> str:
    """The plain select as it was written before (from `Select.get_context`), one line a tag."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs(dict(attrs), widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    parts = [f'<select name="{escape(context["name"])}"{_attributes(context["attrs"])}>']
    for group, options, _ in context["optgroups"]:
        if group:
            parts.append(f'<optgroup label="{escape(group)}">')
        parts.extend(f'<option value="{escape(option["value"])}"{_attributes(option["attrs"])}>'
                     f'{conditional_escape(localize(option["label"]))}</option>' for option in options)
        if group:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


DATA = [None, {}, {"plain": "x", "la": "873", "numbers": "2", "text": "two"}, {"plain": "g2", "la": "nope", "text": NASTY},
        {"plain": "zz", "numbers": "9", "day": "bad"}, {"plain": ""}]


def _bound_form(data):
    LocalAuthority.objects.create(code="873", name="Cambridgeshire")
    LocalAuthority.objects.create(code="935", name="Suffolk & Co")
    form = Fields(data)
    if data is not None:
        form.is_valid()
    return form


@pytest.mark.django_db
@pytest.mark.parametrize("data", DATA)
def test_a_plain_select_is_written_as_before(data):
    form = _bound_form(data)
    for name in ("plain", "empty", "numbers", "la"):
        for attrs in ({}, {"class": "govuk-select govuk-select--error", "aria-describedby": f"{name}-hint"}):
            assert _select(form[name], attrs) == _old_select(form[name], attrs), name


@pytest.mark.parametrize("data", [None, {}, {"sort": "-size"}, {"sort": "name"}, {"sort": "bogus"}, {"sort": ""},
                                  {"sort": "name", "grouped": "-name"}, {"grouped": "<x>"}])
def test_a_sort_field_is_written_as_the_widget_templates_write_it(data):
    form = Sorted(data, queryset=LocalAuthority.objects.none()).form
    # Optgroups, a repeated value (only the first is selected), a None value and escaping, on the same widget class.
    form.fields["grouped"].widget.choices = [("", "Any"), ("-name", "A"), ("-name", "Again"), (None, "None"),
                                             ("G <1>", [("<x>", "X <x>"), ("y", "Y")]), ("", [("z", "Z")])]
    form.fields["empty"] = Sorted.base_filters["sort"].field.__class__(choices=[], required=False, label="Empty")
    if data is not None:
        form.is_valid()
    for name in ("sort", "grouped", "empty"):
        attrs = {"class": "govuk-select", "aria-describedby": f"id_{name}-hint"}
        fast = _select(form[name], attrs)
        assert fast is not None, name
        assert fast == form[name].as_widget(attrs=attrs), name
    assert '<optgroup label="G &lt;1&gt;">' in _select(form["grouped"], {})


def test_a_sort_field_with_several_values_is_left_to_django():
    form = Sorted({"sort": "name,-size"}, queryset=LocalAuthority.objects.none()).form
    form.is_valid()
    assert _select(form["sort"], {}) is None
    assert 'type="text"' in govuk_field(form["sort"])


@pytest.mark.django_db
@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("label_size", ["", "m", "<l>"])
@pytest.mark.parametrize("prefix", ["", "£", "<&>"])
def test_the_form_group_is_written_as_the_template_writes_it(data, label_size, prefix):
    form = _bound_form(data)
    for name in form.fields:
        bound = form[name]
        widget_html = mark_safe(f'<input name="{name}" value="&lt;">')  # noqa: S308 - a fixed test string
        old = render_to_string("govuk/fields/input.html", {
            "field": bound, "widget_html": widget_html, "options": [], "described_by": "", "label_size": label_size,
            "prefix": prefix, "classes": "", "max_length": None, "max_length_text": ""})
        assert _input_layout(bound, widget_html, label_size, prefix) == old, name


@pytest.mark.django_db
@pytest.mark.parametrize("data", DATA)
def test_govuk_field_writes_a_whole_field_as_the_template_did(data):
    form = _bound_form(data)
    for name in ("text", "needed", "plain", "la", "day"):
        bound = form[name]
        html = govuk_field(bound, classes="govuk-!-width-full", label_size="s")
        assert html.startswith('<div class="govuk-form-group') and html.endswith("</div>\n")
        assert (f'id="id_{name}-error"' in html) == bool(bound.errors)
        assert "<b>" not in html and "<problem>" not in html
