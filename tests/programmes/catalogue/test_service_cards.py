"""The catalogue page's service cards written by `service_cards` are the HTML the template loop wrote (kept here):
every kind, status and price shape, order windows, places, terms and descriptions with text to escape, for a
manager (who may or may not change the services), a head of one school and of two, in a published catalogue and
a draft."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import product

import pytest
from django.template import engines
from django_scopes import scopes_disabled

from programmes.catalogue.selectors import prices_for_schools
from programmes.models import ServiceKind, ServiceStatus
from tests.factories import CatalogueFactory, SchoolFactory, ServiceFactory

pytestmark = [pytest.mark.django_db]

LOOP = """{% for row in rows %}{% with s=row.service %}
<div class="govuk-summary-card" id="service-{{ s.pk }}">
  <div class="govuk-summary-card__title-wrapper">
    <h3 class="govuk-summary-card__title">{{ s.name }}{% if can_manage %} <span class="govuk-body-s">(version {{ s.version }}, {{ s.get_status_display|lower }})</span>{% endif %}</h3>
    {% if can_manage %}
    <ul class="govuk-summary-card__actions">
      {% if s.status == 'draft' or s.status == 'published' %}<li class="govuk-summary-card__action"><a class="govuk-link" href="{% url 'programmes:service_edit' partnership.slug s.pk %}">Change<span class="govuk-visually-hidden"> {{ s.name }}</span></a></li>{% endif %}
      {% if s.status == 'draft' and can_change_services %}<li class="govuk-summary-card__action"><a class="govuk-link" href="{% url 'programmes:service_remove' partnership.slug s.pk %}">Remove<span class="govuk-visually-hidden"> {{ s.name }}</span></a></li>{% endif %}
      {% if s.status == 'published' %}<li class="govuk-summary-card__action"><a class="govuk-link" href="{% url 'programmes:service_withdraw' partnership.slug s.pk %}">Withdraw<span class="govuk-visually-hidden"> {{ s.name }}</span></a></li>{% endif %}
    </ul>
    {% endif %}
  </div>
  <div class="govuk-summary-card__content">
    {% if s.description %}<div class="govuk-body">{{ s.description|linebreaks }}</div>{% endif %}
    <dl class="govuk-summary-list">
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Kind</dt><dd class="govuk-summary-list__value">{{ s.get_kind_display }}</dd></div>
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Who may buy it</dt><dd class="govuk-summary-list__value">{{ row.buyers }}</dd></div>
      {% if s.days %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Included</dt><dd class="govuk-summary-list__value">{{ s.days|days_phrase }}{% if s.half_days_allowed %}, which may be taken as half days{% endif %}</dd></div>{% endif %}
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Prices</dt><dd class="govuk-summary-list__value">
        {% if s.kind == 'core' and not s.member_price %}Included for member schools{% else %}{% if s.for_members %}Members {{ s.member_price|money_text }}{% if s.academy_price is not None %}, member academies {{ s.academy_price|money_text }}{% endif %}{% endif %}{% if s.for_members and s.for_non_members %}; {% endif %}{% if s.for_non_members %}schools outside the partnership {{ s.non_member_price|money_text }}{% endif %}{% if s.is_payg %} {% if s.kind == 'payg_half_day' %}per half day{% else %}per day{% endif %}{% endif %}{% if s.annual %}, an annual charge split across the two financial years{% endif %}{% endif %}
      </dd></div>
      {% if s.order_opens or s.order_closes %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Orders</dt><dd class="govuk-summary-list__value">{% if s.order_opens %}From {{ s.order_opens|date_text }}{% endif %}{% if s.order_opens and s.order_closes %} to {% elif s.order_closes %}Until {% endif %}{% if s.order_closes %}{{ s.order_closes|date_text }}{% endif %}</dd></div>{% endif %}
      {% if s.starts_on %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Starts</dt><dd class="govuk-summary-list__value">{{ s.starts_on|date_text }}</dd></div>{% endif %}
      {% if s.limit %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Places</dt><dd class="govuk-summary-list__value">{{ s.limit }} in all{% if can_manage %}, {{ s.sold }} sold{% endif %}</dd></div>{% endif %}
      {% if s.terms %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Terms</dt><dd class="govuk-summary-list__value">{{ s.terms|linebreaksbr }}</dd></div>{% endif %}
      {% if row.not_on_sale and is_published %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Not on sale now</dt><dd class="govuk-summary-list__value not-on-sale">{{ row.not_on_sale }}</dd></div>{% endif %}
      {% for p in row.prices %}
      <div class="govuk-summary-list__row your-price"><dt class="govuk-summary-list__key">{% if schools|length == 1 %}Your school's price{% else %}{{ p.school.name }}{% endif %}</dt><dd class="govuk-summary-list__value">{% if p.price %}<strong>{{ p.price.amount|money_text }}</strong> ({{ p.price.basis_label|lower }}). {{ p.price.reason }}{% else %}<strong>Cannot be bought.</strong> {{ p.problem }}{% endif %}</dd></div>
      {% endfor %}
    </dl>
  </div>
</div>
{% endwith %}{% empty %}
<p class="govuk-body">{% if can_change_services %}No services yet. Add the first one.{% else %}This catalogue has no services on sale.{% endif %}</p>
{% endfor %}"""


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load catalogue_cards %}" + source).render(context)


@pytest.fixture
def rows_and_schools(partnership, broker):
    with scopes_disabled():
        catalogue = CatalogueFactory(partnership=partnership, created_by=broker.user)
        shapes = [
            {"kind": ServiceKind.CORE, "member_price": Decimal("0"), "for_non_members": False},
            {"kind": ServiceKind.CORE, "member_price": Decimal("150.00"), "academy_price": Decimal("120.00")},
            {"kind": ServiceKind.PAYG_DAY, "days": Decimal("0"), "for_members": False, "member_price": Decimal("0"),
             "non_member_price": Decimal("450.00")},
            {"kind": ServiceKind.PAYG_HALF_DAY, "days": Decimal("0"), "half_days_allowed": False, "annual": True},
            {"kind": ServiceKind.PACKAGE, "days": Decimal("2.5"), "half_days_allowed": False,
             "status": ServiceStatus.DRAFT, "name": "Deputies' <network> & \"friends\"",
             "description": "First line & more\n\nA <second> paragraph", "terms": "Line one\nLine <two>"},
            {"kind": ServiceKind.PROGRAMME_PLACE, "days": Decimal("1"), "order_opens": date(2026, 9, 1),
             "order_closes": date(2026, 10, 31), "starts_on": date(2026, 11, 2), "limit": 30, "sold": 30},
            {"kind": ServiceKind.OTHER, "order_closes": date(2026, 7, 1), "limit": 1234, "sold": 3,
             "for_members": False, "for_non_members": False},
            {"kind": ServiceKind.LINK_PARTNER, "order_opens": date(2027, 1, 4), "status": ServiceStatus.RETIRED},
            {"kind": ServiceKind.PACKAGE, "status": ServiceStatus.WITHDRAWN, "phases": ["primary", "not_applicable"],
             "school_type_groups": ["Academies"]},
        ]
        services = [ServiceFactory(partnership=partnership, catalogue=catalogue, created_by=broker.user,
                                   position=index, **shape) for index, shape in enumerate(shapes)]
        mine = SchoolFactory(name="Histon & Impington <Junior>", phase="primary")
        other = SchoolFactory(name="Comberton Village College", phase="secondary")
    today = date(2026, 12, 3)
    return {"schools": {count: [(mine, True), (other, False)][:count] for count in (0, 1, 2)},
            "rows": lambda schools: prices_for_schools(services, schools, today=today)}


def test_the_cards_are_the_loops_html(partnership, rows_and_schools):
    seen = set()
    for count, can_manage, can_change, published in product((0, 1, 2), (True, False), (True, False), (True, False)):
        schools = rows_and_schools["schools"][count]
        context = {"partnership": partnership, "rows": rows_and_schools["rows"](schools), "schools": schools,
                   "can_manage": can_manage, "can_change_services": can_change, "is_published": published}
        new = _render("{% service_cards rows %}", **context)
        assert _normalised(new) == _normalised(_render(LOOP, **context)), (count, can_manage, can_change, published)
        seen.add(new)
    assert len(seen) > 10
    manager = _render("{% service_cards rows %}", partnership=partnership, rows=rows_and_schools["rows"]([]),
                      schools=[], can_manage=True, can_change_services=True, is_published=True)
    assert "Deputies&#x27; &lt;network&gt; &amp; &quot;friends&quot;" in manager
    assert "<p>First line &amp; more</p>" in manager and "Line one<br>Line &lt;two&gt;" in manager
    assert manager.count(">Remove<") == 1 and manager.count(">Withdraw<") == 6 and ", 30 sold" in manager
    assert "Included for member schools" in manager and " per half day" in manager and "Until 1 July 2026" in manager
    head = _render("{% service_cards rows %}", partnership=partnership, rows=rows_and_schools["rows"](
        rows_and_schools["schools"][1]), schools=rows_and_schools["schools"][1], can_manage=False,
        can_change_services=False, is_published=True)
    assert "Your school&#x27;s price" not in head and "Your school's price" in head and "Change<" not in head


def test_no_rows_write_nothing(partnership):
    assert _render("{% service_cards rows %}", partnership=partnership, rows=[], schools=[]) == ""
