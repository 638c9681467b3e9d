"""GOV.UK Frontend form rendering for Django forms: `{% govuk_error_summary form %}`, `{% govuk_field form.x %}`."""

from __future__ import annotations

from django import forms, template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()


def _described_by(bound: forms.BoundField) -> str:
    ids = []
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
    widget_html = bound.as_widget(attrs=attrs) if kind in CSS else ""
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
        },
    )


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(*forms_: forms.Form) -> dict:
    """The error summary that goes at the top of the page: every error, linked to its field."""
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for error in form.non_field_errors():
            errors.append({"href": "", "text": error})
        for bound in form:
            for error in bound.errors:
                errors.append({"href": f"#{bound.auto_id}", "text": error})
    return {"errors": errors}
