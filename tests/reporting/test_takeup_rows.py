"""The take-up tables' rows written by `takeup_rows` are the HTML the template loop wrote (kept here), with and
without income, for whole and part days, no days, big and negative sums, and text that must be escaped."""

from __future__ import annotations

import re
from decimal import Decimal

from django.template import engines

LOOP = """{% for row in rows %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ row.0 }}</th>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.1 }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.2 }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.3|days_text }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.4|days_text }}</td>
      {% if show_money %}<td class="govuk-table__cell govuk-table__cell--numeric">{{ row.5|money_text }}</td>{% endif %}
    </tr>
  {% endfor %}"""


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


ROWS = [
    ["Core entitlement", 0, 1, Decimal("1"), Decimal("0"), Decimal("0")],
    ["Two-day package & \"more\" <b>", 12345, 2, Decimal("2.5"), Decimal("0.5"), Decimal("1234567.89")],
    ["St Mary's", 1, 0, Decimal(0), Decimal("0.0"), Decimal("-100.00")],
    ["Unknown", 3, 3, 0, 0, 0],
]


def test_the_rows_are_the_template_loops_html():
    for show_money in (True, False):
        context = {"rows": ROWS, "show_money": show_money}
        loop = engines["django"].from_string(LOOP).render(context)
        tag = engines["django"].from_string("{% load takeup %}{% takeup_rows rows show_money %}").render(context)
        assert _normalised(tag) == _normalised(loop)
        assert ("£1,234,567.89" in tag) == show_money and "&amp; &quot;more&quot; &lt;b&gt;" in tag
        assert tag.count('<tr class="govuk-table__row">') == len(ROWS)
