"""The broker's home list of leaders needing attention written by `leadership.templatetags.quality_rows` is the HTML
the template loop wrote (kept here), byte for byte, with names and flags that must be escaped."""

from __future__ import annotations

from django.template import engines

from alliances.models import SystemLeader
from leadership.quality.selectors import AttentionRow

ATTENTION_LOOP = """{% for row in leaders_attention %}<li><a class="govuk-link" href="{% url 'leadership:qa_summary' partnership.slug row.leader.pk %}">{{ row.leader.name }}</a>: {{ row.flags|join:"; " }}</li>{% endfor %}"""  # noqa: E501
ATTENTION_TAG = "{% load quality_rows %}{% attention_items leaders_attention partnership.slug %}"


class _Partnership:
    slug = "a-b"


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_leaders_needing_attention_are_the_loops_html():
    names = ["St Mary's <Lead> & Co", 'The "Quoted" Leader', "Plain Name"]
    flags = [["Designation review overdue"], ["Low impact (average below 5 out of 10)", "2 disputed visits"],
             ["1 action overdue", "<b>odd</b> & 'flag'", "Designation review overdue"]]
    rows = [AttentionRow(SystemLeader(pk=pk, name=names[pk % 3]), flags[pk % 3], None, None) for pk in range(1, 7)]
    context = {"leaders_attention": rows, "partnership": _Partnership()}
    tag = _render(ATTENTION_TAG, context)
    assert tag == _render(ATTENTION_LOOP, context)
    assert "&lt;Lead&gt; &amp; Co" in tag and "&lt;b&gt;odd&lt;/b&gt; &amp; &#x27;flag&#x27;" in tag and "; 2 disputed" in tag
    assert _render(ATTENTION_TAG, {"leaders_attention": [], "partnership": _Partnership()}) == ""
