"""The register's rows written by `register_rows` are the HTML the template loop wrote (kept here, with
`{% govuk_field %}` for each field), byte for byte: unmarked and marked, sent back with every kind of error, with
names and reasons that must be escaped, and for one participant or none."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template import engines

from programmes.delivery.forms import RegisterForm
from programmes.delivery.registers import Participant

LOOP = """{% for place, mark, reason in form.rows %}
    <div class="app-register-person">
      {% govuk_field mark label_size="m" %}
      {% govuk_field reason classes="govuk-!-width-full" %}
    </div>
    {% if not forloop.last %}<hr class="govuk-section-break govuk-section-break--m govuk-section-break--visible">{% endif %}
    {% endfor %}"""
TAG = "{% load registers %}{% register_rows form %}"

PLACES = [Participant(1, "Ann Able"), Participant(22, 'Tom & "Jerry" <b>'), Participant(333, "Zoë O'Neill"),
          Participant(4444, "Dee Deputy")]
CURRENT = {1: ("present", ""), 22: ("absent", "Ill & <away>"), 333: ("late", "")}


def _both(form) -> tuple[str, str]:
    context = {"form": form}
    return engines["django"].from_string(LOOP).render(context), engines["django"].from_string(TAG).render(context)


def _posted(**values: str) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key.replace("_", "-")] = value
    return data


@pytest.mark.parametrize("places,current", [
    (PLACES, {}),
    (PLACES, CURRENT),
    (PLACES[:1], CURRENT),
    (PLACES[1:2], CURRENT),
    ([], {}),
])
def test_an_unsent_register_is_the_loops_html(places, current):
    loop, tag = _both(RegisterForm(places=places, current=current))
    assert tag == loop
    assert tag.count('type="radio"') == 3 * len(places)


@pytest.mark.parametrize("data", [
    # Every mark given, one absence explained (the form is valid).
    _posted(mark_1="present", mark_22="absent", reason_22="Ill & <away>", mark_333="late", mark_4444="present"),
    # No mark for anyone, a reason of spaces for an absence, a reason too long, a choice that does not exist.
    _posted(mark_22="absent", reason_22="   ", reason_333="x" * 301, mark_4444="bogus <value>"),
    # Nothing at all.
    _posted(),
])
def test_a_register_sent_back_is_the_loops_html(data):
    form = RegisterForm(data, places=PLACES, current=CURRENT)
    form.is_valid()
    loop, tag = _both(form)
    assert tag == loop


def test_the_errors_are_written_and_escaped():
    form = RegisterForm(_posted(mark_22="absent", reason_22=""), places=PLACES, current={})
    assert not form.is_valid()
    _, tag = _both(form)
    assert "Give the reason Tom &amp; &quot;Jerry&quot; &lt;b&gt; was absent" in tag
    assert 'aria-invalid="true" id="id_reason-22"' in tag and "govuk-form-group--error" in tag
