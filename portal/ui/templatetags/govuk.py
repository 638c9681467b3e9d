"""GOV.UK Frontend pieces every page shares (a builtin library, no `{% load %}` needed).

* `{% govuk_error_summary form %}`, `{% govuk_field form.x %}`: form rendering.
* `{% error_title_prefix %}`: "Error: " at the start of the page title while any form on the page has errors.
* `{% table_region %}...{% endtable_region %}`: the scrolling, focusable, labelled box every data table sits in.
* `{% layout_part "includes/header.html" %}`: the layout's header or footer (portal/ui/layout.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import NamedTuple

from django import forms, template
from django.template.base import token_kwargs
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.functional import LazyObject, empty
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django_filters import FilterSet
from django_filters.widgets import BaseCSVWidget

from portal.ui.layout import layout_part, layout_static

register = template.Library()
# `{% layout_part "includes/header.html" %}`: the header or footer, rendered once for the values it shows.
register.simple_tag(layout_part, takes_context=True)
register.simple_tag(layout_static, name="layout_static")  # `{% static %}`, for files every page links


def _counted(bound: forms.BoundField) -> int | None:
    """The limit of a text box that gets GOV.UK's character count (a textarea with a max length)."""
    if isinstance(bound.field.widget, forms.Textarea):
        return getattr(bound.field, "max_length", None)
    return None


def _described_by(bound: forms.BoundField) -> str:
    ids = []
    if _counted(bound):
        ids.append(f"{bound.auto_id}-info")
    if bound.help_text:
        ids.append(f"{bound.auto_id}-hint")
    if bound.errors:
        ids.append(f"{bound.auto_id}-error")
    return " ".join(ids)


def _kind(widget: forms.Widget) -> str:
    # CheckboxSelectMultiple subclasses RadioSelect, so it must be tested first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


CSS = {
    "input": "govuk-input",
    "select": "govuk-select",
    "textarea": "govuk-textarea",
    "checkbox": "govuk-checkboxes__input",
    "file": "govuk-file-upload",
}


def _attributes(attrs: dict) -> str:
    """Attributes in their order, as Django's attrs.html writes them: True bare, False left out."""
    return "".join(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
                   for name, value in attrs.items() if value is not False)


def _select_value(bound: forms.BoundField, widget: forms.Widget) -> tuple[bool, object]:
    """(whether the fast path writes this widget, the value it shows). A plain Select, or a sort field's CSV select
    (django-filter's OrderingFilter) showing one value; several values make the CSV widget a text box (left to it)."""
    value = bound.value()
    if type(widget) is forms.Select:
        return True, value
    if type(widget).__bases__ == (BaseCSVWidget, forms.Select):
        values = value if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        if len(values) > 1:
            return False, None
        return True, values[0] if values else ""
    return False, None


def _select(bound: forms.BoundField, attrs: dict) -> SafeString | None:
    """A plain single-choice select written here, the HTML Django's widget templates write
    (`Select.optgroups` and django/forms/widgets/select*.html): a filter's list of 150 local authorities would
    otherwise build a context and render a template per option (half of a list page's time)."""
    widget = bound.field.widget
    if bound.field.localize:
        return None
    fast, value = _select_value(bound, widget)
    if not fast:
        return None
    attrs = bound.build_widget_attrs(dict(attrs), widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    attrs = widget.build_attrs(widget.attrs, attrs)
    values = {str(v) if v is not None else "" for v in (value if isinstance(value, tuple | list) else [value])}
    # A plain select has always been written here, one line a tag; the sort field was Django's templates' until
    # now, so it keeps their spacing (each option on its own line after two spaces, then a blank line).
    django_spacing = type(widget) is not forms.Select
    options = _options(tuple(widget.choices), django_spacing)
    parts = [f'<select name="{escape(bound.html_name)}"{_attributes(attrs)}>', *options.lines, "\n</select>"]
    chosen = [options.first[key] for key in values if key in options.first]
    if chosen:  # Select.optgroups: only the first option with the value is selected
        line, selected = min(chosen)
        parts[line + 1] = selected
    return mark_safe("".join(parts))  # noqa: S308 - every value in the options is escaped (_written_options)


class _Options(NamedTuple):
    lines: tuple[str, ...]  # each option (or optgroup tag) as written when not selected
    first: dict[str, tuple[int, str]]  # a value's first option: its line, and that line written selected


_KEPT_OPTIONS: dict[tuple, _Options] = {}
_KEPT_OPTIONS_LOCK = threading.Lock()
OPTIONS_KEPT = 256  # option lists kept; when full, they are all dropped and kept again as they are written


def _options(choices: tuple, django_spacing: bool) -> _Options:
    """A select's options, written once for each list of choices (and language) and kept: the same 150 local
    authorities are written on every list page, a few hundred escapes each time. Only the selected option
    changes, and `_select` swaps it in. Kept by each value's and label's type and text (True and 1 are equal,
    but not the same option; a safe label is not escaped), and not for grouped choices."""
    if any(isinstance(label, list | tuple) for _, label in choices):
        return _written_options(choices, django_spacing)
    key = (get_language(), django_spacing,
           tuple((type(value), str(value), type(label), str(label)) for value, label in choices))
    found = _KEPT_OPTIONS.get(key)
    if found is None:
        found = _written_options(choices, django_spacing)
        with _KEPT_OPTIONS_LOCK:
            if len(_KEPT_OPTIONS) >= OPTIONS_KEPT:
                _KEPT_OPTIONS.clear()
            _KEPT_OPTIONS[key] = found
    return found


def _written_options(choices: tuple, django_spacing: bool) -> _Options:
    """The HTML Django's widget templates write for the options (`Select.optgroups` and
    django/forms/widgets/select*.html)."""
    opening, closing = ("\n  ", "\n") if django_spacing else ("\n", "")
    lines: list[str] = []
    first: dict[str, tuple[int, str]] = {}
    for group_value, group_label in choices:
        group_value = "" if group_value is None else group_value
        grouped = isinstance(group_label, list | tuple)
        options = group_label if grouped else [(group_value, group_label)]
        if grouped and group_value:
            lines.append(f'{opening}<optgroup label="{escape(group_value)}">')
        for option_value, option_label in options:
            key = str(option_value)
            start = f'{opening}<option value="{escape(key)}"'
            end = f'>{conditional_escape(localize(option_label))}</option>{closing}'
            if key not in first:
                first[key] = (len(lines), f"{start} selected{end}")
            lines.append(start + end)
        if grouped and group_value:
            lines.append(f"{opening}</optgroup>")
    return _Options(tuple(lines), first)


def _error_html(bound: forms.BoundField) -> str:
    """templates/govuk/fields/_error.html, with its closing newline (the include keeps it)."""
    if not bound.errors:
        return "\n"
    messages = "<br>".join(f'<span class="govuk-visually-hidden">Error:</span> {conditional_escape(error)}'
                           for error in bound.errors)
    return f'<p id="{escape(bound.auto_id)}-error" class="govuk-error-message">{messages}</p>\n'


def _input_layout(bound: forms.BoundField, widget_html: str, label_size: str, prefix: str) -> SafeString:
    """templates/govuk/fields/input.html written here, byte for byte (tests/ui/test_field_rendering.py compares
    the two): a filter form renders it for every box and select above every list."""
    auto_id = escape(bound.auto_id)
    size = f" govuk-label--{conditional_escape(label_size)}" if label_size else ""
    hint = (f'<div id="{auto_id}-hint" class="govuk-hint">{conditional_escape(bound.help_text)}</div>'
            if bound.help_text else "")
    if prefix:
        widget_html = (f'<div class="govuk-input__wrapper"><div class="govuk-input__prefix" aria-hidden="true">'
                       f'{conditional_escape(prefix)}</div>{conditional_escape(widget_html)}</div>')
    else:
        widget_html = conditional_escape(widget_html)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div class="govuk-form-group{" govuk-form-group--error" if bound.errors else ""}">\n'
        f'  <label class="govuk-label{size}" for="{auto_id}">{conditional_escape(bound.label)}</label>\n'
        f"  {hint}\n"
        f"  {_error_html(bound)}\n"
        f"  {widget_html}\n"
        f"</div>\n")


@register.simple_tag
def govuk_field(bound: forms.BoundField, classes: str = "", label_size: str = "", prefix: str = "") -> SafeString:
    """Render one bound field as a GOV.UK form group with its label, hint and inline error."""
    kind = _kind(bound.field.widget)
    # GOV.UK: hints, not placeholders (placeholders vanish as you type and often fail contrast).
    bound.field.widget.attrs.pop("placeholder", None)
    attrs = {}
    if kind in CSS:
        css = CSS[kind]
        if bound.errors and kind != "checkbox":
            css += f" {CSS[kind]}--error"
        attrs["class"] = f"{css} {classes}".strip()
        described = _described_by(bound)
        if described:
            attrs["aria-describedby"] = described
    max_length = _counted(bound)
    if max_length:
        # GOV.UK's character count: the limit is a hint without JavaScript and a live count with it. No maxlength
        # attribute, so a long paste is not cut off silently: the form says it is too long instead.
        attrs["class"] += " govuk-js-character-count"
        attrs["maxlength"] = False
    widget_html = (_select(bound, attrs) or bound.as_widget(attrs=attrs)) if kind in CSS else ""
    options = []
    if kind in {"radios", "checkboxes"}:
        value = bound.value()
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        for index, (choice_value, choice_label) in enumerate(bound.field.choices):
            options.append(
                {
                    "id": f"{bound.auto_id}" if index == 0 else f"{bound.auto_id}-{index}",
                    "value": choice_value,
                    "label": choice_label,
                    "checked": str(choice_value) in selected,
                    "hint": getattr(bound.field, "choice_hints", {}).get(choice_value, ""),
                }
            )
    # Text inputs, selects, textareas and file inputs share one layout: label, hint, error, widget.
    template = "input" if kind in ("input", "select", "textarea", "file") else kind
    if max_length:
        template = "character_count"
    if template == "input":
        return _input_layout(bound, widget_html, label_size, prefix)
    return render_to_string(
        f"govuk/fields/{template}.html",
        {
            "field": bound,
            "widget_html": widget_html,
            "options": options,
            "described_by": _described_by(bound),
            "label_size": label_size,
            "prefix": prefix,
            "classes": classes,
            "max_length": max_length,
            "max_length_text": f"{max_length:,}" if max_length else "",
        },
    )


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(*forms_: forms.Form) -> dict:
    """The error summary that goes at the top of the page: every error, linked to its field."""
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for error in form.non_field_errors().as_data():
            # A service's error may link to where its next step is taken (portal.ui.views.show_error).
            if error.code == "next_step":
                errors.append({"href": error.params["href"], "text": error.message})
            else:
                errors.append({"href": "", "text": next(iter(error))})
        for bound in form:
            for error in bound.errors:
                errors.append({"href": f"#{bound.auto_id}", "text": error})
    return {"errors": errors}


def _has_errors(value: object) -> bool:
    if isinstance(value, LazyObject):
        # Not evaluated yet (the CSRF token, before any form asked for it): no form of the page's. Asking its class
        # would evaluate it, and an evaluated CSRF token sends its cookie with every page, a form on it or not.
        if value._wrapped is empty:
            return False
        value = value._wrapped
    if isinstance(value, FilterSet):
        value = value.form
    if isinstance(value, forms.BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, forms.BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return False


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    """The title's "Error: " while any form in the page's context is bound and invalid (heard first on a screen reader).

    The base template puts this in front of every title, so no page has to remember it, whatever it calls its
    form (`form`, `offer_form`, a filter set, allauth's forms).
    """
    for layer in context.dicts:
        if any(_has_errors(value) for value in layer.values()):
            return "Error: "
    return ""


_CAPTION = re.compile(r"<caption\b([^>]*)>", re.IGNORECASE)


def _next_caption_id(context: template.Context) -> str:
    # Numbered per page render: the render context's bottom layer lasts the whole render, includes too.
    counts = context.render_context.dicts[0]
    counts["table_region_count"] = counts.get("table_region_count", 0) + 1
    return f"table-caption-{counts['table_region_count']}"


class TableRegionNode(template.Node):
    def __init__(self, nodelist: template.NodeList, label: template.base.FilterExpression | None):
        self.nodelist = nodelist
        self.label = label

    def render(self, context: template.Context) -> SafeString:
        # Joined once and put together once: a table of thousands of rows is copied twice here, not six times.
        body = "".join([node.render_annotated(context) for node in self.nodelist])
        label = self.label.resolve(context) if self.label else ""
        caption = _CAPTION.search(body)
        parts = [body]
        if label:
            name = format_html('aria-label="{}"', label)
        elif caption:
            # The region is named by the table's own caption, so the two never say different things.
            existing = re.search(r'\bid="([^"]+)"', caption.group(1))
            caption_id = existing.group(1) if existing else _next_caption_id(context)
            if not existing:
                parts = [body[:caption.start()], f'<caption id="{caption_id}"{caption.group(1)}>',
                         body[caption.end():]]
            name = format_html('aria-labelledby="{}"', caption_id)
        else:
            raise template.TemplateSyntaxError("A table region needs a table with a <caption>, or label=\"...\".")
        # tabindex: keyboard users can scroll a wide table; the focus style is in app.scss.
        return mark_safe("".join([f'<div class="app-table-scroll" role="region" {name} tabindex="0">', *parts,
                                  "</div>"]))


@register.tag
def table_region(parser: template.base.Parser, token: template.base.Token) -> TableRegionNode:
    """Wrap a data table so a wide one scrolls in its own box instead of widening the page (WCAG 1.4.10).

        {% table_region %}<table class="govuk-table"><caption ...>...</caption>...</table>{% endtable_region %}

    The box is a focusable region named by the table's caption, or by `label="..."` when there is none.
    """
    bits = token.split_contents()[1:]
    kwargs = token_kwargs(bits, parser)
    if bits or set(kwargs) - {"label"}:
        raise template.TemplateSyntaxError("table_region takes only label=\"...\".")
    nodelist = parser.parse(("endtable_region",))
    parser.delete_first_token()
    return TableRegionNode(nodelist, kwargs.get("label"))
