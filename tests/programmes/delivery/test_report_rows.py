"""The programme reports' rows written by `tally_rows` and `waitlist_rows` are the HTML the template loops wrote
(kept here): every empty and filled cell, numbers as a template localises them, and text that must be escaped."""

from __future__ import annotations

import re

from django.template import engines

from programmes.delivery.reports import Tally

TALLY_LOOP = """{% for name, t in rows %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ name }}</th>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ t.participants }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ t.completed }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{% if t.rate is not None %}{{ t.rate }}%{% else %}–{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ t.waitlisted }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{% if t.evaluation_average is not None %}{{ t.evaluation_average }} ({{ t.evaluations }}){% else %}–{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{% if t.school_average is not None %}{{ t.school_average }} ({{ t.answers }}){% else %}–{% endif %}</td>
    </tr>
  {% endfor %}"""
WAITLIST_LOOP = """{% for w in waitlists %}<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{ w.cohort__name }}</th><td class="govuk-table__cell">{{ w.cohort__programme__title }}</td><td class="govuk-table__cell govuk-table__cell--numeric">{{ w.waiting }}</td></tr>{% endfor %}"""


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load programme_reports %}" + source).render(context)


def test_tally_rows_are_the_loops_html():
    rows = [
        ("Cambridgeshire", Tally(participants=12, ended=10, completed=7, waitlisted=3, evaluations=4,
                                 evaluation_sum=31, answers=2, answer_sum=17)),
        ("Nobody ended <yet> & \"more\"", Tally(participants=2, waitlisted=0)),
        ("Thousands", Tally(participants=12345, ended=12000, completed=11999, waitlisted=1500, evaluations=3,
                            evaluation_sum=10, answers=1, answer_sum=10)),
        ("Empty", Tally()),
    ]
    new = _render("{% tally_rows rows %}", rows=rows)
    assert _normalised(new) == _normalised(_render(TALLY_LOOP, rows=rows))
    assert "Nobody ended &lt;yet&gt; &amp; &quot;more&quot;" in new and "70%" in new and "7.8 (4)" in new
    assert new.count("–") == 6  # the rate and both averages of the second and of the empty row


def test_waitlist_rows_are_the_loops_html():
    """The tag reads (cohort, name, programme's title, waiting) rows; the loop read the same as dicts."""
    waitlists = [(1, "Autumn <2026>", "Leading & middle", 12), (2, "Spring", "NPQH", 1234),
                 (3, "Summer", "Leading & middle", 2)]
    loop = [{"cohort_id": pk, "cohort__name": name, "cohort__programme__title": title, "waiting": waiting}
            for pk, name, title, waiting in waitlists]
    new = _render("{% waitlist_rows waitlists %}", waitlists=waitlists)
    assert new == _render(WAITLIST_LOOP, waitlists=loop)
    assert "Autumn &lt;2026&gt;" in new and new.count("Leading &amp; middle") == 2


def test_no_rows_write_nothing():
    assert _render("{% tally_rows rows %}{% waitlist_rows rows %}", rows=[]) == ""
