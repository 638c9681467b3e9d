"""A catalogue's service cards, written in Python: a catalogue has dozens of services, each a summary card of a
dozen rows and conditions, and the template loop that wrote them (about 1,300 variable lookups and 60 `{% url %}`
a page) was most of the catalogue page's time. The HTML is the loop's
(`tests/programmes/catalogue/test_service_cards.py` renders both)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaks_filter, linebreaksbr
from django.utils.safestring import SafeString, mark_safe

from portal.days import days_phrase
from portal.formats import date_text, money_text
from portal.ui.printed import pk_url, printed

register = template.Library()

ROW = ('<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt>'
       '<dd class="govuk-summary-list__value">{}</dd></div>')
ACTION = ('<li class="govuk-summary-card__action"><a class="govuk-link" href="{}">{}'
          '<span class="govuk-visually-hidden"> {}</span></a></li>')


def _prices(s) -> str:
    """The Prices row's words: who pays what, per day or half day, and whether the charge is annual."""
    if s.kind == "core" and not s.member_price:
        return "Included for member schools"
    words = []
    if s.for_members:
        words.append(f"Members {printed(money_text(s.member_price))}")
        if s.academy_price is not None:
            words.append(f", member academies {printed(money_text(s.academy_price))}")
    if s.for_members and s.for_non_members:
        words.append("; ")
    if s.for_non_members:
        words.append(f"schools outside the partnership {printed(money_text(s.non_member_price))}")
    if s.is_payg:
        words.append(" per half day" if s.kind == "payg_half_day" else " per day")
    if s.annual:
        words.append(", an annual charge split across the two financial years")
    return "".join(words)


def _orders(s) -> str:
    opens, closes = s.order_opens, s.order_closes
    words = [f"From {printed(date_text(opens))}"] if opens else []
    if opens and closes:
        words.append(" to ")
    elif closes:
        words.append("Until ")
    if closes:
        words.append(printed(date_text(closes)))
    return "".join(words)


def _title(s, name: str, urls: dict, *, can_manage: bool, can_change_services: bool) -> str:
    if not can_manage:
        return f'<h3 class="govuk-summary-card__title">{name}</h3>'
    status = s.status
    actions = []
    if status in ("draft", "published"):
        actions.append(ACTION.format(urls["edit"](s.pk), "Change", name))
    if status == "draft" and can_change_services:
        actions.append(ACTION.format(urls["remove"](s.pk), "Remove", name))
    if status == "published":
        actions.append(ACTION.format(urls["withdraw"](s.pk), "Withdraw", name))
    return (f'<h3 class="govuk-summary-card__title">{name} <span class="govuk-body-s">(version {printed(s.version)}, '
            f'{printed(s.get_status_display().lower())})</span></h3>'
            f'<ul class="govuk-summary-card__actions">{"".join(actions)}</ul>')


def _school_prices(row, one_school: bool) -> str:
    out = []
    for p in row.prices:
        who = "Your school's price" if one_school else printed(p.school.name)
        if p.price:
            price = (f"<strong>{printed(money_text(p.price.amount))}</strong> "
                     f"({printed(str(p.price.basis_label).lower())}). {printed(p.price.reason)}")
        else:
            price = f"<strong>Cannot be bought.</strong> {printed(p.problem)}"
        out.append(f'<div class="govuk-summary-list__row your-price"><dt class="govuk-summary-list__key">{who}</dt>'
                   f'<dd class="govuk-summary-list__value">{price}</dd></div>')
    return "".join(out)


def _card(row, urls: dict, *, can_manage: bool, can_change_services: bool, is_published: bool,
          one_school: bool) -> str:
    s = row.service
    name = printed(s.name)
    rows = [ROW.format("Kind", printed(s.get_kind_display())), ROW.format("Who may buy it", printed(row.buyers))]
    if s.days:
        rows.append(ROW.format("Included", printed(days_phrase(s.days))
                               + (", which may be taken as half days" if s.half_days_allowed else "")))
    rows.append(ROW.format("Prices", f"\n        {_prices(s)}\n      "))
    if s.order_opens or s.order_closes:
        rows.append(ROW.format("Orders", _orders(s)))
    if s.starts_on:
        rows.append(ROW.format("Starts", printed(date_text(s.starts_on))))
    if s.limit:
        rows.append(ROW.format("Places", f"{printed(s.limit)} in all"
                               + (f", {printed(s.sold)} sold" if can_manage else "")))
    if s.terms:
        rows.append(ROW.format("Terms", linebreaksbr(s.terms, autoescape=True)))
    if row.not_on_sale and is_published:
        rows.append('<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Not on sale now</dt>'
                    f'<dd class="govuk-summary-list__value not-on-sale">{printed(row.not_on_sale)}</dd></div>')
    description = (f'<div class="govuk-body">{linebreaks_filter(s.description, autoescape=True)}</div>'
                   if s.description else "")
    return (f'<div class="govuk-summary-card" id="service-{printed(s.pk)}">'
            f'<div class="govuk-summary-card__title-wrapper">'
            f'{_title(s, name, urls, can_manage=can_manage, can_change_services=can_change_services)}</div>'
            f'<div class="govuk-summary-card__content">{description}<dl class="govuk-summary-list">{"".join(rows)}'
            f'{_school_prices(row, one_school)}</dl></div></div>')


@register.simple_tag(takes_context=True)
def service_cards(context, rows) -> SafeString:
    """One summary card per (service, its prices for the member's schools) row of `rows`
    (`selectors.prices_for_schools`), with the actions the member may take; what the catalogue page's context
    says (`partnership`, `can_manage`, `can_change_services`, `is_published`, `schools`) decides them."""
    slug = context["partnership"].slug
    can_manage = bool(context.get("can_manage"))
    urls = {key: pk_url(f"programmes:service_{key}", slug) for key in ("edit", "remove", "withdraw")} \
        if can_manage else {}
    options = {"can_manage": can_manage, "can_change_services": bool(context.get("can_change_services")),
               "is_published": bool(context.get("is_published")), "one_school": len(context.get("schools") or []) == 1}
    return mark_safe("".join(_card(row, urls, **options) for row in rows))
