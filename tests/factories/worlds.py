"""The dashboards' hand-computed world, built from the factories. The reporting tests check their figures
against it; the home-page, watchlist and browser tests use it as a partnership with some history.

The world (academic year 2026-27, no term calendar, so autumn is 1 Sep to 31 Dec; "today" is 1 Dec 2026):

school                                  LA               clusters 2026-27
A 110602 Bassingbourn Primary School    873 Cambridgeshire  North, South
B 136463 Comberton Village College      873 Cambridgeshire  South
C 110683 Old Fletton Primary School     874 Peterborough    -
E 101868 East Acton Primary School      307 Ealing          -

leader                  home  designation  days a term  specialisms      phases     status
L1 Ada Lovelace         A     SLE          4            Maths, Reading   primary    active
L2 Mary Somerville      C     NLE          6            Maths            secondary  active
L3 Caroline Herschel    B     SLE          5            Maths            primary    paused

request  school  needs             days  status      sent        deployment (leader, status, days, approved)
R1       A       Maths, Reading    4     matched     10 Sep 26   D1 (L1 SLE, active, 4, 20 Sep: 10 days)
R2       B       Maths             2     submitted   1 Oct 26    -
R3       C       Behaviour         3     declined    5 Oct 26    -
R4       E       Maths             5     matched     15 Sep 26   D3 (L2 NLE, active, 5, 25 Sep: 10 days)
R5       A       Reading           2     matched     20 Sep 26   D2 (L1 SLE, completed, 2, 24 Sep: 4 days)
R7       C       Behaviour         3     matched     1 Sep 26    D4 (L2 NLE, paused, 3, 3 Sep: 2 days)
R8       B       Maths             3     matched     10 Sep 25   D6 (L1, completed in March 2026: last year)
R6       B       (a draft)

Every private text (contexts, notes, summaries, progress, evidence) starts with "Private", and leaders'
contact details are @leaders.example.org and 01223 000000, so a test can check none of them shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.factories.alliances import (
    ClusterFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    SpecialismFactory,
    SystemLeaderFactory,
)
from tests.factories.deployments import (
    CapacityEntryFactory,
    DeploymentFactory,
    ObjectiveFactory,
    ReviewFactory,
    ReviewObjectiveFactory,
    SupportRequestFactory,
    VisitFactory,
)

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 1)


def at(day: date) -> datetime:
    """Ten in the morning in London on `day`."""
    return datetime.combine(day, time(10), tzinfo=LONDON)


@dataclass
class World:
    partnership: object
    broker: object
    officer: object
    schools: dict
    spec: dict
    leaders: dict
    requests: dict
    deployments: dict
    clusters: dict


def build_world(partnership, broker, officer) -> World:
    """The world in the table above, in `partnership`; `broker` wrote every request and decided every deployment."""
    p = partnership
    cambs = LocalAuthorityFactory(code="873", name="Cambridgeshire")
    peterborough = LocalAuthorityFactory(code="874", name="Peterborough")
    ealing = LocalAuthorityFactory(code="307", name="Ealing")
    schools = {
        "A": SchoolFactory(urn="110602", name="Bassingbourn Primary School", la=cambs, phase="primary"),
        "B": SchoolFactory(urn="136463", name="Comberton Village College", la=cambs, phase="secondary"),
        "C": SchoolFactory(urn="110683", name="Old Fletton Primary School", la=peterborough, phase="primary"),
        "E": SchoolFactory(urn="101868", name="East Acton Primary School", la=ealing, phase="primary"),
    }
    spec = {name: SpecialismFactory(partnership=p, group="teaching", name=name) for name in ("Maths", "Reading", "Behaviour")}
    clusters = {"North": ClusterFactory(partnership=p, name="North", la=cambs, schools=[schools["A"]]),
                "South": ClusterFactory(partnership=p, name="South", la=cambs, schools=[schools["A"], schools["B"]])}

    def leader(name, home, designation, capacity, specialisms, status="active", primary=True, secondary=False):
        return SystemLeaderFactory(
            partnership=p, name=name, home_school=schools[home], designation=designation, status=status,
            capacity_days_per_term=Decimal(capacity), email=f"{name.lower()}@leaders.example.org", phone="01223 000000",
            phase_primary=primary, phase_secondary=secondary, specialisms=[spec[s] for s in specialisms])

    leaders = {"L1": leader("L1 Ada Lovelace", "A", "SLE", 4, ["Maths", "Reading"]),
               "L2": leader("L2 Mary Somerville", "C", "NLE", 6, ["Maths"], primary=False, secondary=True),
               "L3": leader("L3 Caroline Herschel", "B", "SLE", 5, ["Maths"], status="paused")}

    def request(key, school, needs, days, status, sent):
        return SupportRequestFactory(
            partnership=p, school=schools[school], created_by=broker.user, status=status, days_wanted=Decimal(days),
            submitted_at=at(sent) if sent else None, context=f"Private context {key}", needs=[spec[n] for n in needs])

    requests = {
        "R1": request("R1", "A", ["Maths", "Reading"], 4, "matched", date(2026, 9, 10)),
        "R2": request("R2", "B", ["Maths"], 2, "submitted", date(2026, 10, 1)),
        "R3": request("R3", "C", ["Behaviour"], 3, "declined", date(2026, 10, 5)),
        "R4": request("R4", "E", ["Maths"], 5, "matched", date(2026, 9, 15)),
        "R5": request("R5", "A", ["Reading"], 2, "matched", date(2026, 9, 20)),
        "R7": request("R7", "C", ["Behaviour"], 3, "matched", date(2026, 9, 1)),
        "R8": request("R8", "B", ["Maths"], 3, "matched", date(2025, 9, 10)),
        "R6": request("R6", "B", ["Maths"], 1, "draft", None),
    }

    def deployment(key, req, leader_key, status, days, start, end, decided, areas, ledger, visits=()):
        d = DeploymentFactory(
            request=requests[req], leader=leaders[leader_key], status=status, days=Decimal(days), start_date=start,
            end_date=end, proposed_by=broker.user, decided_by=broker.user, decided_at=at(decided),
            status_note=f"Private status note {key}", closing_summary=f"Private summary {key}")
        objectives = [ObjectiveFactory(deployment=d, area=spec[a], position=i) for i, a in enumerate(areas)]
        for term_key, ledger_days in ledger:
            CapacityEntryFactory(deployment=d, term_key=term_key, days=Decimal(ledger_days))
        for visit_date, visit_days, visit_status in visits:
            VisitFactory(deployment=d, visit_date=visit_date, days=Decimal(visit_days), status=visit_status,
                         notes=f"Private visit note {key}", logged_by=broker.user)
        return d, objectives

    d1, o1 = deployment("D1", "R1", "L1", "active", 4, date(2026, 9, 14), date(2027, 2, 12), date(2026, 9, 20),
                        ["Maths", "Reading"], [("2026-27 autumn", 3), ("2026-27 spring", 1)],
                        [(date(2026, 9, 21), 1, "confirmed"), (date(2026, 10, 5), 1, "confirmed"),
                         (date(2026, 11, 2), 0.5, "logged")])
    d2, o2 = deployment("D2", "R5", "L1", "completed", 2, date(2026, 9, 21), date(2026, 11, 30), date(2026, 9, 24),
                        ["Reading"], [("2026-27 autumn", 2)],
                        [(date(2026, 10, 12), 1, "confirmed"), (date(2026, 10, 19), 1, "confirmed")])
    d3, o3 = deployment("D3", "R4", "L2", "active", 5, date(2026, 10, 1), date(2026, 12, 18), date(2026, 9, 25),
                        ["Maths"], [("2026-27 autumn", 5)], [(date(2026, 10, 10), 1, "confirmed")])
    d4, o4 = deployment("D4", "R7", "L2", "paused", 3, date(2026, 9, 7), date(2026, 12, 11), date(2026, 9, 3),
                        ["Behaviour"], [("2026-27 autumn", 3)])
    d6, o6 = deployment("D6", "R8", "L1", "completed", 3, date(2025, 10, 1), date(2026, 3, 1), date(2025, 9, 20),
                        ["Maths"], [("2025-26 autumn", 3)], [(date(2025, 10, 8), 1, "confirmed")])

    def review(d, objectives, term_key, due, status, impact=None, head=None, rags=(), kind="termly"):
        r = ReviewFactory(deployment=d, kind=kind, term_key=term_key, due_on=due, status=status, impact_score=impact,
                          head_impact_score=head, overall_progress="Private progress", next_steps="Private next steps")
        for objective, rag in zip(objectives, rags, strict=False):
            ReviewObjectiveFactory(review=r, objective=objective, rag=rag, evidence="Private evidence")
        return r

    review(d1, o1, "2026-27 autumn", date(2026, 11, 20), "agreed", 8, rags=["green", "amber"])
    review(d1, o1, "2026-27 spring", date(2027, 3, 12), "due")
    review(d2, o2, "2026-27 autumn", date(2026, 11, 13), "agreed", 9, rags=["green"])
    review(d2, o2, "final", date(2026, 12, 10), "agreed", 7, head=6, rags=["green"], kind="final")
    review(d3, o3, "2026-27 autumn", date(2026, 11, 27), "due")
    review(d4, o4, "2026-27 autumn", date(2026, 11, 20), "submitted", 3, rags=["red"])
    review(d6, o6, "2025-26 autumn", date(2025, 12, 5), "agreed", 2, rags=["red"])
    return World(p, broker, officer, schools, spec, leaders, requests,
                 {"D1": d1, "D2": d2, "D3": d3, "D4": d4, "D6": d6}, clusters)
