"""The participants and attendance table's rows written in Python: each was a template loop's six cells with
seven variables, a date filter, a link (`{% url %}`) and three conditions. The HTML is the loop's, byte for byte
(`tests/programmes/delivery/test_participants.py` renders both, with text that must be escaped)."""

from __future__ import annotations

import html

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from portal.formats import date_text
from portal.ui.printed import printed

register = template.Library()

_PK = 987654321  # stands for the pk in a URL reversed once
ROW = ('\n    <tr class="govuk-table__row">\n'
       '      <th scope="row" class="govuk-table__header">{}</th>\n'
       '      <td class="govuk-table__cell">{}</td>\n'
       '      <td class="govuk-table__cell govuk-table__cell--numeric">{} of {} ({}%)</td>\n'
       '      <td class="govuk-table__cell govuk-table__cell--numeric">{}</td>\n'
       '      <td class="govuk-table__cell">{}</td>\n'
       '      <td class="govuk-table__cell">{}</td>\n'
       '    </tr>\n  ')


@register.simple_tag
def participant_rows(participants, slug: str, sees_certificates: bool) -> SafeString:
    """One row per participant (`programmes.delivery.participants.Participant`): name, school, sessions attended
    of those held (and as a percentage), absences, the evaluation and completion (with a link to the certificate
    for those who see certificates)."""
    before, after = (html.escape(part) for part in reverse("programmes:certificate", args=[slug, _PK]).split(str(_PK)))
    out = []
    for p in participants:
        name = printed(p.name)
        if p.completed_at:
            completed = f"Completed {printed(date_text(p.completed_at))}"
            if sees_certificates:
                completed = (f'<a class="govuk-link" href="{before}{p.pk}{after}">{completed}'
                             f'<span class="govuk-visually-hidden">: certificate for {name}</span></a>')
        else:
            completed = "Not yet"
        out.append(ROW.format(name, printed(p.school_name), printed(p.attended), printed(p.sessions),
                              printed(p.attendance_percent), printed(p.absent),
                              "Returned" if p.evaluated else "Not returned", completed))
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped
