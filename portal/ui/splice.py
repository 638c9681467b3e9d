"""Large pieces of a page put into its bytes once it is rendered, instead of being carried through the render.

A page's HTML is built as strings: each level of the template (a table region, an `{% if %}`, the page's block,
the base template) joins its parts into a new string, and the response encodes the whole page again. A piece half
a megabyte long (a programme report's waitlist rows at scale) then makes a dozen allocations of that size, which
the process gets from the system and gives back each time: page faults, a third of the report's rendering time,
more than copying the bytes costs.

A template tag that writes such a piece calls `spliced(context, html)`: on a page rendered with `render_spliced`
it writes a marker instead (a nonce of the render's, so no text can be taken for one), and the piece goes into the
response's bytes once, when the page is whole (`splice`). The bytes are those the page had without it; elsewhere
(`render`, or a tag called on its own) the piece is written where it is, as before.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PIECES = "spliced_pieces"  # the context variable `render_spliced` sets: (nonce, the pieces so far)


def spliced(context, html: SafeString) -> SafeString:
    """`html` (already safe), or on a page rendered with `render_spliced` the marker of where it goes."""
    found = context.get(PIECES) if context is not None else None
    if found is None:
        return html
    nonce, pieces = found
    pieces.append(html)
    return mark_safe(f"\x00{nonce}:{len(pieces) - 1}\x00")  # noqa: S308 - a marker, replaced by the safe piece


def splice(text: str, nonce: str, pieces: list[str]) -> bytes:
    """The page's bytes: `text` with each marker of `nonce` replaced by its piece, each encoded once."""
    charset = settings.DEFAULT_CHARSET
    parts, at = [], 0
    for marker in re.finditer(f"\x00{nonce}:([0-9]+)\x00", text):
        parts.append(text[at:marker.start()].encode(charset))
        parts.append(pieces[int(marker.group(1))].encode(charset))
        at = marker.end()
    parts.append(text[at:].encode(charset))
    return b"".join(parts)


def render_spliced(request: HttpRequest, template_name: str, context: dict) -> HttpResponse:
    """`django.shortcuts.render`, with the pieces its tags wrote through `spliced` put in once it is rendered."""
    nonce, pieces = secrets.token_hex(8), []
    text = render_to_string(template_name, {**context, PIECES: (nonce, pieces)}, request)
    return HttpResponse(splice(text, nonce, pieces) if pieces else text)
