"""Demo directory data for `make run`, built from the source documents and the real public school files.

Cambridgeshire: the four teaching school alliances of seed 002 (real lead schools by URN), their
nearest schools as members, geographic clusters and triads for 2026-27, and a few dozen system
leaders. Ealing (seed 003): primary and special schools, a pilot cluster of triads and link partners.
People are invented; schools are real. Safe to run twice.
"""

from __future__ import annotations

import csv
import io
import math
import random
from datetime import date
from decimal import Decimal

from django.conf import settings
from django_scopes import scope

from alliances.importers import run_import
from alliances.models import (
    Alliance,
    AllianceSchool,
    Cluster,
    ClusterSchool,
    LeaderSpecialism,
    LocalAuthority,
    PartnershipSchool,
    Phase,
    School,
    Specialism,
    Status,
    SystemLeader,
)
from alliances.services import ensure_default_specialisms
from portal.audit.services import record_event
from portal.calendar.models import CalendarPeriod
from portal.calendar.services import normalise_year, parse_calendar_csv, replace_years
from portal.tenancy.models import Partnership
from portal.tenancy.rls import cross_partnership

DATA_FILES = [
    # First, so each school without coordinates of its own is placed at its postcode district's centre.
    "postcodes/postcode_district_centroids_gb_from_nspd_nov2025.csv",
    "east_and_ealing/dfe_school_spine_2017_18.csv",
    "east_and_ealing/edubase_schools_in_england_2017_subset.csv",
    "east_and_ealing/gias_open_schools_2025-07-11_with_coords.csv",
    "east_and_ealing/ofsted_ratings_history_2005_2020.csv",
    "england/gias_links_2025-04-22.csv",
]

# Seed 002: "CATSA (Comberton Village College), CATTSA (Swavesey Village College, Histon and Impington
# Junior School and Parkside Federation), CASSA (Linton Village College and Castle Manor) and Anglian
# Gateway (Bottisham Village College, Ditton Lodge Primary and Swaffham Bulbeck Primary)".
CAMBRIDGESHIRE_ALLIANCES = {
    "CATSA": ["136463"],
    "CATTSA": ["136580", "139087", "136636"],
    "CASSA": ["136442", "138162"],
    "Anglian Gateway": ["136677", "144054", "146469"],
}

# The demo headteacher's school (Bewick Bridge Community Primary School, Cambridge) and what the demo system
# leader offers: the need areas of the headteacher's maths request.
DEMO_HEAD_SCHOOL = "110746"
DEMO_LEADER_SPECIALISMS = {"Mathematics", "Assessment and moderation", "Phonics and early reading"}

FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Harry", "Imogen", "Jamal", "Kate", "Liam",
               "Maya", "Nikhil", "Olivia", "Patrick", "Rosa", "Sam", "Tara", "Usman", "Vera", "Will", "Yasmin", "Zac"]
LAST_NAMES = ["Adams", "Bhatt", "Clarke", "Doyle", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones", "Khan", "Lewis",
              "Morgan", "Nolan", "Owen", "Patel", "Quinn", "Reid", "Shah", "Turner", "Walsh", "Young"]


def import_reference_data(stdout=None) -> None:
    """Load the public files once (they agree in any order: the newest source wins each value);
    `import_schools` is there for refreshes."""
    if School.objects.exists():
        if stdout:
            stdout.write("  School data is already loaded; use `manage.py import_schools` to refresh it.")
        return
    for name in DATA_FILES:
        report = run_import(settings.SHARED_DATA_DIR / name)
        if stdout:
            stdout.write(f"  {name}: {report.summary()}")


def _distance(a: School, b: School) -> float:
    if None in (a.easting, a.northing, b.easting, b.northing):
        return math.inf
    return math.hypot(a.easting - b.easting, a.northing - b.northing)


def _nearest(lead: School, candidates: list[School], taken: set[str], count: int) -> list[School]:
    ranked = sorted((s for s in candidates if s.urn not in taken), key=lambda s: _distance(lead, s))
    return [s for s in ranked[:count] if _distance(lead, s) < 25_000]


def _people(rng: random.Random, count: int) -> list[str]:
    """Invented names, none already given to someone in another demo partnership: one person, one name."""
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    with cross_partnership("demo data: names taken in every partnership"):
        taken = set(SystemLeader.objects.values_list("name", flat=True))
    return [name for name in names if name not in taken][:count]


def _leaders(partnership: Partnership, schools: list[School], count: int, rng: random.Random,
             linked_user=None, demo_home: School | None = None) -> None:
    if SystemLeader.objects.filter(partnership=partnership).exists():
        return
    specialisms = list(Specialism.objects.filter(partnership=partnership))
    designations = ["SLE"] * 6 + ["LLE"] * 3 + ["NLE"] * 2 + ["NLG"]
    statuses = ["active"] * 9 + ["under_review", "paused"]
    for index, name in enumerate(_people(rng, count)):
        home = schools[index % len(schools)]
        designated = date(rng.randint(2022, 2026), 9, 1)
        designation = designations[index % len(designations)]
        days = Decimal(rng.choice([2, 3, 4, 4.5, 5, 6, 8, 10]))
        demo_account = linked_user if index == 0 else None
        if demo_account is not None:
            # One name per person: the demo system leader's profile carries their account's name and email,
            # and fits the demo headteacher's maths request (see the README), so a broker finds them on top.
            name, home, days = demo_account.name, demo_home or home, Decimal(10)
        leader = SystemLeader.objects.create(
            partnership=partnership, name=name, home_school=home, designation=designation, designated_on=designated,
            email=demo_account.email if demo_account else f"{name.lower().replace(' ', '.')}@{settings.DEMO_EMAIL_DOMAIN}",
            review_due=designated.replace(year=designated.year + 4), status=statuses[index % len(statuses)],
            capacity_days_per_term=days,
            phase_primary=home.phase in (Phase.PRIMARY, Phase.ALL_THROUGH) or rng.random() < 0.2,
            phase_secondary=home.phase in (Phase.SECONDARY, Phase.ALL_THROUGH, Phase.SIXTEEN_PLUS),
            phase_early_years=rng.random() < 0.15, phase_special=rng.random() < 0.1,
            # Every seventh leader lacks release consent, so matching has someone to exclude; never the demo account.
            release_consent_by="Headteacher of " + home.name if index % 7 or linked_user else "",
            release_consent_on=date(designated.year, 7, 15) if index % 7 or linked_user else None,
            user=demo_account,
        )
        record_event(partnership=partnership, action="system_leader.designation_changed", obj=leader,
                     new={"designation": designation, "designated_on": designated.isoformat(),
                          "review_due": leader.review_due.isoformat(), "status": leader.status}, note="Demo data")
        chosen = rng.sample(specialisms, k=min(len(specialisms), rng.randint(2, 5)))
        if demo_account is not None:
            chosen = [s for s in specialisms if s.name in DEMO_LEADER_SPECIALISMS]
        LeaderSpecialism.objects.bulk_create(
            [LeaderSpecialism(partnership=partnership, leader=leader, specialism=s) for s in chosen])


def _member(partnership: Partnership, schools: list[School], since: date) -> None:
    existing = set(PartnershipSchool.objects.filter(partnership=partnership).values_list("school_id", flat=True))
    PartnershipSchool.objects.bulk_create([
        PartnershipSchool(partnership=partnership, school=s, is_member=True, member_from=since)
        for s in schools if s.urn not in existing
    ])


def _clusters(partnership: Partnership, la: LocalAuthority, groups: list[tuple[str, str, list[School]]]) -> None:
    for name, kind, members in groups:
        if not members or Cluster.objects.filter(partnership=partnership, name=name, academic_year="2026-27").exists():
            continue
        cluster = Cluster.objects.create(partnership=partnership, name=name, kind=kind, la=la, academic_year="2026-27",
                                         chair_school=members[0])
        ClusterSchool.objects.bulk_create([ClusterSchool(partnership=partnership, cluster=cluster, school=s) for s in members])


def build_cambridgeshire(partnership: Partnership, *, system_leader_user=None) -> None:
    rng = random.Random(873)
    with scope(partnership=partnership):
        ensure_default_specialisms(partnership=partnership)
        cambs = LocalAuthority.objects.get(code="873")
        candidates = list(School.objects.filter(la=cambs, status=Status.OPEN, easting__isnull=False)
                          .exclude(phase=Phase.NOT_APPLICABLE))
        taken: set[str] = set()
        partnership_schools: list[School] = []
        if not Alliance.objects.filter(partnership=partnership).exists():
            for name, lead_urns in CAMBRIDGESHIRE_ALLIANCES.items():
                leads = list(School.objects.filter(urn__in=lead_urns))
                taken.update(s.urn for s in leads)
                members = []
                for lead in leads:
                    near = _nearest(lead, candidates, taken, 6)
                    taken.update(s.urn for s in near)
                    members += near
                alliance = Alliance.objects.create(partnership=partnership, name=name,
                                                   description="A teaching school alliance in the Cambridgeshire network.")
                AllianceSchool.objects.bulk_create(
                    [AllianceSchool(partnership=partnership, alliance=alliance, school=s, role="lead") for s in leads]
                    + [AllianceSchool(partnership=partnership, alliance=alliance, school=s, role="member") for s in members])
                partnership_schools += leads + members
        else:
            partnership_schools = [link.school for link in AllianceSchool.objects.filter(partnership=partnership)
                                   .select_related("school")]
        _member(partnership, partnership_schools, date(2025, 9, 1))
        by_district: dict[str, list[School]] = {}
        for school in sorted(partnership_schools, key=lambda s: s.name):
            by_district.setdefault(school.postcode.split(" ")[0] if school.postcode else "Other", []).append(school)
        groups = [(f"{district} cluster", "geographic", schools) for district, schools in sorted(by_district.items())
                  if len(schools) >= 3]
        primaries = [s for s in partnership_schools if s.phase == Phase.PRIMARY]
        groups += [(f"Primary triad {i + 1}", "triad", primaries[i * 3:i * 3 + 3]) for i in range(min(3, len(primaries) // 3))]
        _clusters(partnership, cambs, groups)
        bewick = School.objects.filter(urn=DEMO_HEAD_SCHOOL).first()
        near = sorted((s for s in partnership_schools if s.urn != DEMO_HEAD_SCHOOL and s.phase == Phase.PRIMARY
                       and (not bewick or not s.trust_code or s.trust_code != bewick.trust_code)),
                      key=lambda s: _distance(bewick, s) if bewick else 0)
        _leaders(partnership, partnership_schools, 36, rng, linked_user=system_leader_user,
                 demo_home=near[0] if near else None)
        _term_dates(partnership, "873")


def build_ealing(partnership: Partnership) -> None:
    rng = random.Random(307)
    with scope(partnership=partnership):
        ensure_default_specialisms(partnership=partnership)
        ealing = LocalAuthority.objects.get(code="307")
        # Seed 003: support services for primary and special schools.
        schools = list(School.objects.filter(la=ealing, status=Status.OPEN)
                       .filter(phase__in=[Phase.PRIMARY, Phase.ALL_THROUGH]).order_by("name")[:60])
        _member(partnership, schools, date(2018, 9, 1))
        triads = [(f"Pilot triad {i + 1}", "triad", schools[i * 3:i * 3 + 3]) for i in range(6)]
        links = [(f"Link partners {i + 1}", "link_partners", schools[18 + i * 2:20 + i * 2]) for i in range(4)]
        _clusters(partnership, ealing, triads + links)
        _leaders(partnership, schools, 12, rng)


# The file has Cambridgeshire's real dates for 2020-21 (final) and 2026-27 up to the February half term
# (proposed). The demo shows 2025-26 and all of 2026-27, so the rest follows the usual Eastern Region pattern,
# marked as not from the LA; those years are provisional until a broker imports the LA's confirmed dates.
DEMO_YEARS = ("2020-21", "2025-26", "2026-27")
NOT_FROM_THE_LA = "estimated (usual pattern, not the LA's)"
USUAL_PATTERN = [
    ("2025-2026", "Autumn term (first half)", "2025-09-03", "2025-10-24"),
    ("2025-2026", "Autumn half term", "2025-10-27", "2025-10-31"),
    ("2025-2026", "Autumn term (second half)", "2025-11-03", "2025-12-19"),
    ("2025-2026", "Christmas holiday", "2025-12-22", "2026-01-02"),
    ("2025-2026", "Spring term (first half)", "2026-01-05", "2026-02-13"),
    ("2025-2026", "Spring half term", "2026-02-16", "2026-02-20"),
    ("2025-2026", "Spring term (second half)", "2026-02-23", "2026-03-27"),
    ("2025-2026", "Easter holiday", "2026-03-30", "2026-04-10"),
    ("2025-2026", "Summer term (first half)", "2026-04-13", "2026-05-22"),
    ("2025-2026", "Summer half term", "2026-05-25", "2026-05-29"),
    ("2025-2026", "Summer term (second half)", "2026-06-01", "2026-07-22"),
    ("2026-2027", "Spring term (second half)", "2027-02-22", "2027-03-25"),
    ("2026-2027", "Easter holiday", "2027-03-29", "2027-04-09"),
    ("2026-2027", "Summer term (first half)", "2027-04-12", "2027-05-28"),
    ("2026-2027", "Summer half term", "2027-05-31", "2027-06-04"),
    ("2026-2027", "Summer term (second half)", "2027-06-07", "2027-07-21"),
]


def demo_calendar_csv(la_code: str = "873") -> bytes:
    """The LA's real rows for the demo's years, completed with the usual pattern where the file stops."""
    path = settings.SHARED_DATA_DIR / "calendar" / "term_dates_cambridgeshire_suffolk.csv"
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
    writer.writeheader()
    for row in reader:
        if row["la_code"] == la_code and normalise_year(row["academic_year"]) in DEMO_YEARS:
            writer.writerow(row)
    for year, period, start, end in USUAL_PATTERN:
        writer.writerow({"la_name": "Cambridgeshire", "la_code": la_code, "academic_year": year,
                         "status": NOT_FROM_THE_LA, "period": period, "start_date": start, "end_date": end,
                         "source_url": "", "notes": ""})
    return out.getvalue().encode()


def _term_dates(partnership: Partnership, la_code: str) -> None:
    """Complete years for every year the demo shows (real where the file has them), each added once."""
    have = set(CalendarPeriod.objects.filter(partnership=partnership).values_list("academic_year", flat=True))
    years = {year: parsed for year, parsed in parse_calendar_csv(demo_calendar_csv(la_code), la_code=la_code).items()
             if year not in have}
    if years:
        replace_years(partnership=partnership, years=years)
