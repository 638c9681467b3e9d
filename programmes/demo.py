"""Demo catalogues for `make run`: Ealing's 2018/19 services to schools from seed 003, copied forward to this
year, and a Cambridgeshire catalogue for last year and this one. Prices are illustrative (the seed gives none)
and the catalogues say so. Built through the catalogue's own services, so publishing grants the core
entitlements and tells the heads as it would for real. Safe to run twice.

`build_catalogues` returns each partnership's catalogues by academic year, each with its services by name, for
the demo orders and drawdown built on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django_scopes import scope

from alliances.models import Phase
from portal.tenancy.models import Membership
from programmes.catalogue import copying, services
from programmes.models import Catalogue, CatalogueStatus, InvoiceSchedule, Service, ServiceKind, ServiceStatus

ILLUSTRATIVE = ("The prices in this demonstration catalogue are illustrative: the source catalogue publishes none, "
                "so they are examples, not the partnership's real charges.")
EALING_YEAR, CAMBRIDGESHIRE_YEAR, CURRENT_YEAR = "2018-19", "2025-26", "2026-27"

LINK_PARTNER_ELEMENTS = (
    "External perspectives on the school's data, self-evaluation and school development plan",
    "Support and challenge on school priorities so they impact on pupil outcomes",
    "Celebrate what is working well and what can be shared beyond the school",
    "Opportunities to explore new approaches to driving improvement",
    "Recommended networks, links with other schools, teaching schools and other organisations",
    "Support planning for next steps",
    "Succinct and evaluative reports to be agreed by the headteacher and shared with the governing body",
)
MODERATION = (
    "Access to high quality training for securing judgement in assessment across year groups and subjects",
    "Opportunity to train as external moderator or lead moderator",
    "Briefing meetings and papers on new developments, standards and expectations",
    "Expert support for cluster based moderation exercises in statutory and non-statutory years",
    "Exemplification and planning materials for use in school",
    "Support for ongoing professional dialogue across schools",
)
PRIMARY_AND_SPECIAL = [Phase.PRIMARY, Phase.ALL_THROUGH, Phase.NOT_APPLICABLE]


@dataclass
class DemoCatalogue:
    catalogue: Catalogue
    services: dict[str, Service] = field(default_factory=dict)


def _bullets(lines: tuple[str, ...]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _service(name: str, kind: str, member: str, non_member: str | None, description: str, *, days: str = "0",
             opens: date, closes: date, starts: date, **extra) -> dict:
    return {"name": name, "kind": kind, "description": description, "terms": extra.pop("terms", ""),
            "phases": extra.pop("phases", PRIMARY_AND_SPECIAL), "school_type_groups": [], "for_members": True,
            "for_non_members": non_member is not None, "days": Decimal(days),
            "half_days_allowed": extra.pop("half_days_allowed", True), "annual": extra.pop("annual", False),
            "member_price": Decimal(member), "non_member_price": Decimal(non_member) if non_member else None,
            "academy_price": None, "order_opens": opens, "order_closes": closes, "starts_on": starts,
            "limit": extra.pop("limit", None)}


def ealing_services() -> list[dict]:
    """Seed 003's services, in its order."""
    window = {"opens": date(2018, 3, 1), "closes": date(2019, 7, 31), "starts": date(2018, 9, 1)}
    terms = "Days are for the academic year of this catalogue and cannot be carried into another year."
    return [
        _service("Primary schools ELP core entitlement", ServiceKind.CORE, "0", None,
                 "Every ELP school receives school improvement and wider support and challenge, in line with the vision "
                 "and guarantee set out by the ELP Board, and is invited to the pilot cluster model: peer learning in "
                 "triads, with termly structured reviews of priorities alongside colleagues.", days="1", **window),
        _service("Link partner", ServiceKind.LINK_PARTNER, "450", "560",
                 "The equivalent of one whole day, which may be taken as two half days. Common to every link partner "
                 "model:\n" + _bullets(LINK_PARTNER_ELEMENTS), days="1", terms=terms, **window),
        _service("Pay as you go, per day", ServiceKind.PAYG_DAY, "450", "560",
                 "Support for specific functions, charged for each day delivered.", half_days_allowed=False, **window),
        _service("Pay as you go, per half day", ServiceKind.PAYG_HALF_DAY, "240", "300",
                 "Support for specific functions, charged for each half day delivered.", **window),
        _service("One-day package", ServiceKind.PACKAGE, "430", "540", "One day of support bought in advance.",
                 days="1", terms=terms, **window),
        _service("Two-day package", ServiceKind.PACKAGE, "840", "1050", "Two days of support bought in advance.",
                 days="2", terms=terms, **window),
        _service("Three-day package", ServiceKind.PACKAGE, "1230", "1540", "Three days of support bought in advance.",
                 days="3", terms=terms, **window),
        _service("Assessment and moderation", ServiceKind.OTHER, "600", None,
                 "For ELP members, for the year:\n" + _bullets(MODERATION), annual=True, **window),
        _service("Securing Good Programme", ServiceKind.PACKAGE, "1800", None,
                 "For schools with significant risks: a tailored package brokered from across the partnership, in "
                 "conjunction with the council's statutory duties.", days="5", limit=6, **window),
    ]


def cambridgeshire_services() -> list[dict]:
    window = {"opens": date(2025, 4, 1), "closes": date(2026, 7, 17), "starts": date(2025, 9, 3)}
    every_phase = {"phases": []}
    return [
        _service("Core entitlement", ServiceKind.CORE, "0", None,
                 "A day of support from a specialist or local leader of education for every member school, brokered "
                 "by the steering group.", days="1", **every_phase, **window),
        _service("Specialist leader support, per day", ServiceKind.PAYG_DAY, "400", "500",
                 "A specialist leader of education, charged for each day delivered.", half_days_allowed=False,
                 **every_phase, **window),
        _service("Specialist leader support, per half day", ServiceKind.PAYG_HALF_DAY, "215", "270",
                 "A specialist leader of education, charged for each half day delivered.", **every_phase, **window),
        _service("Two-day package", ServiceKind.PACKAGE, "760", "950", "Two days of support bought in advance.",
                 days="2", **every_phase, **window),
        _service("Three-day package", ServiceKind.PACKAGE, "1110", "1390", "Three days of support bought in advance.",
                 days="3", **every_phase, **window),
        _service("Moderation training", ServiceKind.OTHER, "350", "450",
                 "Key stage 1 and 2 moderation training and cluster moderation meetings for the year.", annual=True,
                 phases=[Phase.PRIMARY], **window),
        _service("Deputy heads' network", ServiceKind.PROGRAMME_PLACE, "275", "340",
                 "A place on the network's six termly sessions.", limit=20, **every_phase, **window),
    ]


def _catalogue(actor: Membership, year: str, title: str, introduction: str, rows: list[dict],
               deadline: date) -> DemoCatalogue:
    found = Catalogue.objects.filter(partnership=actor.partnership, academic_year=year).first()
    if found is None:
        found = services.create_catalogue(actor=actor, academic_year=year, values={
            "title": title, "introduction": introduction, "invoice_schedule": InvoiceSchedule.TWICE_YEARLY,
            "renewal_deadline": deadline})
        for row in rows:
            services.add_service(actor=actor, catalogue=found, values=row)
    return _published(actor, found)


def _published(actor: Membership, catalogue: Catalogue) -> DemoCatalogue:
    if catalogue.status == CatalogueStatus.DRAFT:
        services.publish_catalogue(actor=actor, catalogue=catalogue)
    live = Service.objects.filter(catalogue=catalogue, status=ServiceStatus.PUBLISHED).order_by("position")
    return DemoCatalogue(catalogue, {service.name: service for service in live})


def _copied(actor: Membership, source: DemoCatalogue, year: str, uplift: str) -> DemoCatalogue:
    found = Catalogue.objects.filter(partnership=actor.partnership, academic_year=year).first()
    if found is None:
        found = copying.copy_catalogue_forward(actor=actor, catalogue=source.catalogue, uplift_percent=Decimal(uplift),
                                               academic_year=year)
    return _published(actor, found)


def build_catalogues(*, cambridgeshire: Membership, ealing: Membership) -> dict[str, dict[str, DemoCatalogue]]:
    """Each partnership's published demo catalogues, by slug and academic year. `cambridgeshire` and `ealing` are
    the members who build them (a broker of each)."""
    built: dict[str, dict[str, DemoCatalogue]] = {}
    with scope(partnership=ealing.partnership):
        seed = _catalogue(ealing, EALING_YEAR, "School improvement support services for primary and special schools "
                          "2018/19", "Schools may buy support on a pay as you go basis for specific functions or as "
                          "one, two or three day packages in advance. Academies who are members of ELP can buy support "
                          "packages at the same rate as maintained schools. Schools outside ELP pay extra.\n\n"
                          + ILLUSTRATIVE, ealing_services(), date(2018, 4, 30))
        built["ealing"] = {EALING_YEAR: seed, CURRENT_YEAR: _copied(ealing, seed, CURRENT_YEAR, "3")}
    with scope(partnership=cambridgeshire.partnership):
        last = _catalogue(cambridgeshire, CAMBRIDGESHIRE_YEAR, "Services to schools 2025-26",
                          "Support the network's system leaders give member schools, and what other schools may buy.\n\n"
                          + ILLUSTRATIVE, cambridgeshire_services(), date(2025, 3, 31))
        built["cambridgeshire"] = {CAMBRIDGESHIRE_YEAR: last,
                                   CURRENT_YEAR: _copied(cambridgeshire, last, CURRENT_YEAR, "2.5")}
    return built
