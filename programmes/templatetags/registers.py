"""A register's rows written in Python: one fieldset of three radios and a reason box per participant, which
`{% govuk_field %}` rendered through two templates each (56 renders for a cohort of 28, most of the page's time).
The HTML is the template loop's, byte for byte, with and without marks and errors
(`tests/programmes/delivery/test_register_rows.py` renders both)."""

from __future__ import annotations

from html import escape

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

PERSON = ('\n    <div class="app-register-person">\n      {}\n      {}\n    </div>\n    {}\n    ')
RULE = '<hr class="govuk-section-break govuk-section-break--m govuk-section-break--visible">'
RADIOS = ('<div class="govuk-form-group{}">\n'
          '  <fieldset class="govuk-fieldset"{}>\n'
          '    <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{}</legend>\n'
          '    \n'
          '    {}\n'
          '    <div class="govuk-radios" data-module="govuk-radios">\n'
          '      {}\n'
          '    </div>\n'
          '  </fieldset>\n'
          '</div>\n')
RADIO = ('\n      <div class="govuk-radios__item">\n'
         '        <input class="govuk-radios__input" id="{id}" name="{name}" type="radio" value="{value}"{checked}>\n'
         '        <label class="govuk-label govuk-radios__label" for="{id}">{label}</label>\n'
         '        \n'
         '      </div>\n'
         '      ')
REASON = ('<div class="govuk-form-group{}">\n'
          '  <label class="govuk-label" for="{}">{}</label>\n'
          '  \n'
          '  {}\n'
          '  <input type="text" name="{}"{} maxlength="{}" class="govuk-input{} govuk-!-width-full"{} id="{}">\n'
          '</div>\n')
ERROR = ' govuk-form-group--error'


def _error(bound: forms.BoundField, auto_id: str) -> str:
    """templates/govuk/fields/_error.html with its closing newline."""
    errors = bound.errors
    if not errors:
        return "\n"
    messages = "<br>".join(f'<span class="govuk-visually-hidden">Error:</span> {escape(str(error))}'
                           for error in errors)
    return f'<p id="{auto_id}-error" class="govuk-error-message">{messages}</p>\n'


def _mark(bound: forms.BoundField) -> str:
    """The participant's radios, as templates/govuk/fields/radios.html writes them with label size m."""
    auto_id, name = escape(bound.auto_id), escape(bound.html_name)
    value = bound.value()
    chosen = None if value is None else str(value)
    options = "".join(
        RADIO.format(id=auto_id if index == 0 else f"{auto_id}-{index}", name=name, value=escape(str(choice)),
                     checked=" checked" if str(choice) == chosen else "", label=escape(str(label)))
        for index, (choice, label) in enumerate(bound.field.choices))
    errors = bool(bound.errors)
    return RADIOS.format(ERROR if errors else "", f' aria-describedby="{auto_id}-error"' if errors else "",
                         escape(str(bound.label)), _error(bound, auto_id), options)


def _reason(bound: forms.BoundField) -> str:
    """The reason box, as `govuk_field` writes a text input with the classes govuk-!-width-full (and Django's
    widget its attributes: the field's maxlength first, aria-invalid after an error)."""
    auto_id = escape(bound.auto_id)
    value = bound.value()
    errors = bool(bound.errors)
    return REASON.format(
        ERROR if errors else "", auto_id, escape(str(bound.label)), _error(bound, auto_id), escape(bound.html_name),
        "" if value is None or value == "" else f' value="{escape(str(value))}"',
        escape(str(bound.field.widget.attrs["maxlength"])), " govuk-input--error" if errors else "",
        f' aria-describedby="{auto_id}-error" aria-invalid="true"' if errors else "", auto_id)


@register.simple_tag
def register_rows(form) -> SafeString:
    """Every participant's mark and reason (`programmes.delivery.forms.RegisterForm.rows`), ruled apart."""
    rows = form.rows()
    last = len(rows) - 1
    return mark_safe("".join(  # noqa: S308 - every value is escaped above
        PERSON.format(_mark(mark), _reason(reason), RULE if index < last else "")
        for index, (_place, mark, reason) in enumerate(rows)))
