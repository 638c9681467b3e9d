"""The layout's header (with the service navigation) and footer, each rendered once for the values it shows.

`{% layout_part "includes/header.html" %}` (registered with the builtin tags in templatetags/govuk.py) renders the same HTML as `{% include "includes/header.html" %}`, but
reads from the page's context only the few values the part shows (the site's name, whether someone is signed in,
the partnership's name and address, the menu, the unread count, the switcher) and renders the template with those
alone, once for each distinct set, kept in-process. Every page paid the part's template work (about forty
template nodes and eight `reverse()` calls) although it shows the same for every page of a role in a partnership.

A value the part's template uses must be read here (`_header`, `_footer`); the template sees nothing else, so one
left out renders empty everywhere at once (tests/ui/test_layout.py compares with the plain include).
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.template import Context
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

MISSING = ("missing",)  # a variable the context lacks: `{{ }}` writes nothing for it, `{% if %}` finds it false


@lru_cache(maxsize=64)
def _variable(name: str) -> template.Variable:
    return template.Variable(name)


def _value(context, name: str):
    """The variable as `{{ name }}` or `{% if name %}` would read it (callables called), or MISSING."""
    if type(context) is dict and name in context:
        return context[name]
    try:
        return _variable(name).resolve(context)
    except template.VariableDoesNotExist:
        return MISSING


def _true(context, name: str) -> bool:
    value = _value(context, name)
    return value is not MISSING and bool(value)


def _shown(values: dict) -> dict:
    """The part's context: a missing variable is left out, so it renders as it would have (empty)."""
    return {name: value for name, value in values.items() if value is not MISSING}


def _header(context: template.Context) -> tuple:
    site_name = _value(context, "site_name")
    if not _true(context, "user.is_authenticated"):
        return (site_name, False)
    partnership = _true(context, "partnership")
    shown = (_value(context, "partnership.slug"), _value(context, "partnership.name")) if partnership else None
    navigation = _value(context, "navigation")
    menu = tuple((_value(item, "label"), _value(item, "url"), _true(item, "active"))
                 for item in (navigation if navigation is not MISSING and navigation else ()))
    # Read only when the menu has the item that shows it, as the template does (it may cost a query).
    unread = _value(context, "unread_count") if any(label == "Notifications" for label, _, _ in menu) else MISSING
    staff = _true(context, "user.is_staff") if not partnership else False
    return (site_name, True, staff, shown, menu, unread, _true(context, "can_switch"))


def _header_context(key: tuple) -> dict:
    site_name, signed_in, *rest = key
    values = {"site_name": site_name, "user": {"is_authenticated": signed_in}}
    if signed_in:
        staff, shown, menu, unread, can_switch = rest
        values["user"]["is_staff"] = staff
        values.update(
            partnership=_shown({"slug": shown[0], "name": shown[1]}) if shown else None,
            navigation=[_shown({"label": label, "url": url, "active": active}) for label, url, active in menu],
            unread_count=unread, can_switch=can_switch)
    return _shown(values)


def _footer(context: template.Context) -> tuple:
    email = _value(context, "partnership.contact_email")
    email = email if email is not MISSING and email else None
    return (_true(context, "user.is_authenticated"), email, _value(context, "partnership.name") if email else None)


def _footer_context(key: tuple) -> dict:
    signed_in, email, name = key
    return {"user": {"is_authenticated": signed_in}, "partnership": _shown({"contact_email": email, "name": name})}


PARTS = {"includes/header.html": (_header, _header_context), "includes/footer.html": (_footer, _footer_context)}


@lru_cache(maxsize=4096)
def _rendered(name: str, key: tuple, urlconf, prefix: str, language: str | None, autoescape: bool) -> str:
    """One part for one set of values (the addresses depend on the URL configuration and script prefix too)."""
    _, context_of = PARTS[name]
    return get_template(name).template.render(Context(context_of(key), autoescape=autoescape))


def layout_part(context: template.Context, name: str) -> str:
    values_of, _ = PARTS[name]
    return _rendered(name, values_of(context), get_urlconf(), get_script_prefix(), get_language(),
                     context.autoescape)


@lru_cache(maxsize=256)
def layout_static(path: str) -> str:
    """`{% static path %}` for the layout's own files, looked up once (the storage's answer depends on settings
    alone: the static address, the storage and its manifest; a change of setting forgets it, as below)."""
    return static(path)


def _forget(**kwargs) -> None:
    _rendered.cache_clear()
    layout_static.cache_clear()


setting_changed.connect(_forget, dispatch_uid="portal.ui.layout_part")
