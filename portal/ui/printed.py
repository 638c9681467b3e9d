"""What a template writes, for the blocks of rows a page writes in Python: a value as `{{ value }}` prints it, and
a row's link without a `reverse()` per row. Hundreds of rows a page, where the template's loops and `{% url %}`
were most of its time; each tag that uses these is tested byte for byte against the loop it replaced."""

from __future__ import annotations

import html
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString


def printed(value) -> str:
    """`value` as `{{ value }}` prints it: localised, then escaped. Whole numbers and plain text, most cells, take
    the short way: without a thousands separator, localising a whole number is `str` (Django's own fast case) and
    localising text leaves it as it is; Django's `escape` is `html.escape`."""
    kind = type(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:
        return SafeString(value)
    if kind is str:
        return SafeString(html.escape(value))
    return conditional_escape(localize(value))


def pk_url(name: str, *args) -> Callable[[object], str]:
    """The URL named `name` for `args` and a row's primary key (its last argument), one `reverse()` for the page:
    the URL is reversed once for the key 0 and the key put in its place (any URL whose key is not its last part
    is reversed for each row)."""
    sample = reverse(name, args=[*args, 0])
    if not sample.endswith("/0/"):
        return lambda pk: reverse(name, args=[*args, pk])
    prefix = sample[:-2]
    return lambda pk: f"{prefix}{pk}/"
