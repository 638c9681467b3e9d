"""Pieces a template tag hands to `portal.ui.splice.spliced` go into the page's bytes once it is rendered: the same
bytes as writing them in place, each marker replaced by its own piece, and text that only looks like a marker (of
another render's nonce) left as it is."""

from __future__ import annotations

from django.template import Context, engines
from django.utils.safestring import mark_safe

from portal.ui.splice import PIECES, splice, spliced
from programmes.templatetags.programme_reports import waitlist_rows

PAGE = ("{% load programme_reports %}<h1>Waiting – {{ title }}</h1><table>{% waitlist_rows rows %}</table>"
        "<p>{{ note }}</p><table>{% waitlist_rows more %}</table>")


def test_the_pieces_go_where_their_markers_are():
    rows = [(1, "Autumn <cohort> & co", "Deputies' network", 3), (2, "Spring", "Heads", 12)]
    more = mark_safe("<tr><td>already written</td></tr>")
    context = {"rows": rows, "more": more, "title": "Programme “reports”", "note": "\x00feedbeef:0\x00"}
    template = engines["django"].from_string(PAGE)
    plain = template.render(context)
    pieces: list[str] = []
    text = template.render({**context, PIECES: ("cafe1234", pieces)})
    assert pieces == [waitlist_rows(rows), more]
    assert len(text) < len(plain)
    assert splice(text, "cafe1234", pieces) == plain.encode()


def test_without_a_render_that_splices_the_piece_is_written_in_place():
    html = mark_safe("<tr></tr>")
    assert spliced(Context({}), html) is html
    assert spliced(None, html) is html
