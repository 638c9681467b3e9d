"""The shared accessibility mechanisms, and convention tests that keep every template on them.

* `{% error_title_prefix %}` (in base.html): "Error: " starts the title while any form on the page has errors.
* `{% table_region %}`: every data table scrolls in its own focusable region, named by its caption.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.template import Context, Template, TemplateSyntaxError
from django_filters import CharFilter, FilterSet

from portal.accounts.models import User

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


class UserFilter(FilterSet):
    email = CharFilter(max_length=5)

    class Meta:
        model = User
        fields = ["email"]


def _prefix(**context) -> str:
    return Template("{% error_title_prefix %}").render(Context(context))


def test_the_title_prefix_is_empty_for_an_unbound_or_a_valid_form():
    assert _prefix(form=NameForm()) == ""
    assert _prefix(form=NameForm(data={"name": "Ada"})) == ""
    assert _prefix() == ""


@pytest.mark.parametrize("name", ["form", "offer_form", "decline_form", "anything"])
def test_the_title_starts_with_error_whatever_the_invalid_form_is_called(name):
    assert _prefix(**{name: NameForm(data={})}) == "Error: "


def test_an_invalid_formset_or_filter_set_counts_too():
    formset = forms.formset_factory(NameForm)(
        data={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-name": "x" * 20})
    assert _prefix(formset=formset) == "Error: "
    assert _prefix(filter=UserFilter(data={"email": "far-too-long"}, queryset=User.objects.none())) == "Error: "
    assert _prefix(filter=UserFilter(data={"email": "ok"}, queryset=User.objects.none())) == ""


def test_the_base_template_puts_the_prefix_in_front_of_every_page_title():
    base = (TEMPLATES / "base.html").read_text()
    assert "<title>{% error_title_prefix %}" in base


def _templates() -> list[Path]:
    return [p for p in TEMPLATES.rglob("*.html") if "emails" not in p.parts]


def test_no_page_writes_its_own_error_prefix():
    """The base template decides: a page that prefixed its own title would say "Error: Error: "."""
    offenders = [str(p.relative_to(TEMPLATES)) for p in _templates()
                 if re.search(r"errors %\}\s*Error:", p.read_text())]
    assert offenders == []


def _region(html: str):
    soup = BeautifulSoup(html, "html.parser")
    return soup, soup.find("div", class_="app-table-scroll")


def test_a_table_region_is_a_focusable_region_named_by_the_tables_caption():
    html = Template(
        "{% table_region %}<table class='govuk-table'><caption class='govuk-table__caption'>Schools</caption>"
        "</table>{% endtable_region %}"
        "{% table_region %}<table><caption>Leaders</caption></table>{% endtable_region %}"
    ).render(Context())
    soup = BeautifulSoup(html, "html.parser")
    first, second = soup.find_all("div", class_="app-table-scroll")
    for region, caption in ((first, "Schools"), (second, "Leaders")):
        assert region["role"] == "region" and region["tabindex"] == "0"
        assert soup.find(id=region["aria-labelledby"]).name == "caption"
        assert soup.find(id=region["aria-labelledby"]).get_text() == caption
    assert first["aria-labelledby"] != second["aria-labelledby"]
    assert soup.find("caption")["class"] == ["govuk-table__caption"]  # the caption keeps its attributes


def test_a_caption_with_an_id_keeps_it():
    _, region = _region(Template('{% table_region %}<table><caption id="mine">X</caption></table>'
                                 "{% endtable_region %}").render(Context()))
    assert region["aria-labelledby"] == "mine"


def test_a_table_without_a_caption_needs_a_label():
    _, region = _region(Template('{% table_region label=name %}<table></table>{% endtable_region %}')
                        .render(Context({"name": "Keys & sessions"})))
    assert region["aria-label"] == "Keys & sessions"
    with pytest.raises(TemplateSyntaxError):
        Template("{% table_region %}<table></table>{% endtable_region %}").render(Context())


def test_every_data_table_sits_in_a_table_region():
    """A bare <table> would widen the whole page at 320 px instead of scrolling in its own box (WCAG 1.4.10)."""
    offenders = []
    for path in _templates():
        outside = re.sub(r"\{% table_region\b.*?%\}.*?\{% endtable_region %\}", "", path.read_text(), flags=re.S)
        if "<table" in outside:
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []
