"""The schools and system leaders lists' rows written by `school_rows` and `leader_rows` are byte for byte the HTML
the template loops wrote (kept here), for every branch of the loops and with text that must be escaped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import product

from django.template import engines

from alliances.models import LeaderStatus, LocalAuthority, Phase, School, Status, SystemLeader

SCHOOL_LOOP = """{% for s in page %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{{ schools_url }}{{ s.urn }}/">{{ s.name }}</a>
            <span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">URN {{ s.urn }}{% if s.postcode %} · {{ s.postcode }}{% endif %}{% if not s.is_open %} · {{ s.get_status_display }}{% endif %}</span></td>
          <td class="govuk-table__cell">{{ s.la.name|default:"" }}</td>
          <td class="govuk-table__cell">{{ s.get_phase_display }}</td>
          <td class="govuk-table__cell">{% if s.ofsted_grade or s.ofsted_category %}{{ s.ofsted_label }}{% endif %}</td>
          <td class="govuk-table__cell">{% if s.partnership_member %}<strong class="govuk-tag govuk-tag--green">Member</strong>{% elif s.in_partnership %}<strong class="govuk-tag govuk-tag--grey">Non-member</strong>{% endif %}</td>
        </tr>
      {% endfor %}"""  # noqa: E501

LEADER_LOOP = """{% for l in page %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{{ leaders_url }}{{ l.pk }}/">{{ l.name }}</a>{% if l.status != "active" %} <strong class="govuk-tag govuk-tag--grey">{{ l.get_status_display }}</strong>{% endif %}</td>
          <td class="govuk-table__cell">{{ l.designation }}</td>
          <td class="govuk-table__cell">{{ l.home_school.name }}</td>
          <td class="govuk-table__cell">{{ l.review_due|date_text }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ l.capacity_days_per_term|days_text }}</td>
        </tr>
      {% endfor %}"""  # noqa: E501


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def _schools() -> list[School]:
    areas = [None, LocalAuthority(code="873", name="Cambridgeshire & <Peterborough>"), LocalAuthority(code="999", name="")]
    grades = [(None, ""), (2, ""), (4, "special_measures"), (None, "serious_weaknesses"), (0, "")]
    places = [(None, False), (True, True), (False, True)]
    schools = []
    for index, (area, status, (grade, category), (member, linked), phase, postcode) in enumerate(product(
            areas, list(Status), grades, places, [Phase.PRIMARY, Phase.SIXTEEN_PLUS, ""], ["CB23 7BD", ""])):
        school = School(urn=f"{100000 + index}", name=f"St Mary's \"<{index}>\" & Co", la=area, status=status,
                        ofsted_grade=grade, ofsted_category=category, phase=phase, postcode=postcode)
        school.partnership_member, school.in_partnership = member, linked
        schools.append(school)
    return schools


def _leaders() -> list[SystemLeader]:
    home = School(urn="110000", name="Hill & <Dale> \"Primary\"")
    leaders = []
    for index, (status, days, designation) in enumerate(product(
            list(LeaderStatus), [Decimal("0"), Decimal("2.50"), Decimal("10"), Decimal("0.5")], ["NLE", "<b>&", ""])):
        leaders.append(SystemLeader(pk=index + 1, name=f"Ann O'Neil <{index}>", status=status, designation=designation,
                                    home_school=home, review_due=date(2027, 1 + index % 12, 1 + index % 28),
                                    capacity_days_per_term=days))
    return leaders


def test_the_school_rows_are_the_template_loops_html():
    schools = _schools()
    url = "/p/cambridgeshire/schools/"
    loop = _render(SCHOOL_LOOP, {"page": schools, "schools_url": url})
    tag = _render("{% load directory %}{% school_rows page schools_url %}", {"page": schools, "schools_url": url})
    assert tag == loop
    assert tag.count('<tr class="govuk-table__row">') == len(schools) > 1000
    assert "St Mary&#x27;s &quot;&lt;0&gt;&quot; &amp; Co" in tag and "Member</strong>" in tag and "Non-member" in tag


def test_the_leader_rows_are_the_template_loops_html():
    leaders = _leaders()
    url = "/p/cambridgeshire/system-leaders/"
    loop = _render(LEADER_LOOP, {"page": leaders, "leaders_url": url})
    tag = _render("{% load directory %}{% leader_rows page leaders_url %}", {"page": leaders, "leaders_url": url})
    assert tag == loop
    assert tag.count('<tr class="govuk-table__row">') == len(leaders)
    assert "&lt;b&gt;&amp;" in tag and "2.5</td>" in tag and "Under review" in tag


def test_no_rows_write_nothing():
    assert _render("{% load directory %}{% school_rows page url %}{% leader_rows page url %}",
                   {"page": [], "url": "/"}) == ""
