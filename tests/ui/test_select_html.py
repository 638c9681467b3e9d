"""govuk_field writes a plain select itself (a template per option was half of a list page's time): the same
HTML as Django's widget templates, for every kind of choice and state."""

from __future__ import annotations

import re

import pytest
from django import forms

from alliances.models import LocalAuthority
from portal.ui.templatetags.govuk import _select


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any <thing>"), ("x", "X & \"Y\""), ("Group", [("g1", "G1"), ("g2", "G2")])],
                              required=False)
    needed = forms.ChoiceField(choices=[("1", "One"), ("2", "Two")], help_text="A hint")
    la = forms.ModelChoiceField(queryset=LocalAuthority.objects.order_by("code"), required=False, empty_label="Any")
    many = forms.MultipleChoiceField(choices=[("1", "One")], widget=forms.SelectMultiple, required=False)


def _same(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"plain": "g2", "needed": "2", "la": "873"}, {"plain": "zz", "la": "nope"}])
def test_a_select_is_written_as_the_widget_templates_write_it(data):
    LocalAuthority.objects.create(code="873", name="Cambridgeshire")
    LocalAuthority.objects.create(code="935", name="Suffolk & Co")
    form = Choices(data)
    if data is not None:
        form.is_valid()
    for name in ("plain", "needed", "la"):
        attrs = {"class": "govuk-select", "aria-describedby": f"{name}-hint"}
        assert _same(_select(form[name], attrs)) == _same(form[name].as_widget(attrs=attrs)), name
    assert _select(form["many"], {}) is None  # a multiple select keeps Django's own rendering
