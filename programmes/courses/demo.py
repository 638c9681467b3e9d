"""Demo programmes for `make run` (issue 14), from the seeds: seed 000's leadership centre (an NPQH-style headship
programme, "Leading from the middle" for middle leaders, the pastoral leadership programme), seed 003's assessment
and moderation training (including training as an external or lead moderator) and seed 001's deputy heads' network
that meets "once a term for a whole day". Cohorts in the demo years with sessions on school days, demo system
leaders and an outside facilitator, programme places in the demo catalogues, places for named staff of demo schools
(accepted, waitlisted, one offered, one nominated and waiting), the demo participant
(participant@demo.s2s.example) with accepted places, registers for past sessions and evaluations for a completed
cohort. Rows are made directly (the places and delivery services are other slices'); a second run changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django_scopes import scope

from alliances.models import PartnershipSchool, School, SystemLeader
from portal.accounts.models import User
from portal.calendar.schooldays import LONDON
from portal.calendar.services import school_calendar
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from programmes.models import (
    Attendance,
    AttendanceMark,
    Audience,
    Catalogue,
    CatalogueStatus,
    Cohort,
    CohortStatus,
    Evaluation,
    Facilitator,
    Place,
    PlaceStatus,
    Programme,
    ProgrammeStatus,
    Service,
    ServiceKind,
    ServiceStatus,
    Session,
)

MARK = "Preparing for headship"
LAST, CURRENT = "2025-26", "2026-27"
# name, member price, non-member price: programme places the demo catalogues sell (added when missing).
PLACES = [("Preparing for headship place", "1450", "1750"), ("Leading from the middle place", "650", "800"),
          ("Pastoral leadership place", "420", "520"), ("Assessment and moderation training place", "180", "240")]
OUTSIDE = ("Dr Ama Osei", "ama.osei@education.example.org", "University of Cambridge Faculty of Education")
STAFF = [("Priya Shah", "Assistant headteacher"), ("Tom Fletcher", "Head of maths"),
         ("Grace Okafor", "Phase leader, key stage 2"), ("Lewis Grant", "Head of year 9"),
         ("Mei Chen", "English subject leader"), ("Owen Price", "Pastoral lead"), ("Ruth Adeyemi", "SENCo"),
         ("Jack Morris", "Deputy headteacher"), ("Aisha Rahman", "Deputy headteacher"),
         ("Ben Holloway", "Science subject leader"), ("Sara Lindqvist", "Year 6 teacher"),
         ("Daniel Kerr", "Head of PE")]

PROGRAMMES = [
    {"title": "Preparing for headship (NPQH-style)", "place": "Preparing for headship place",
     "summary": "For senior leaders preparing to become headteachers: the leadership centre's headship programme, "
                "run each year for trainee heads across the region (seed 000).",
     "aims": "Ready experienced senior leaders for headship.",
     "outcomes": ["Leads whole-school improvement", "Manages a school's finances and staff",
                  "Holds staff to account for pupils' outcomes"],
     "audiences": [Audience.ASPIRING_HEADS, Audience.DEPUTY_HEADS], "phases": [],
     "delivery_partner": "Licensed national provider", "attendance": 80, "evaluation": True},
    {"title": "Leading from the middle", "place": "Leading from the middle place",
     "summary": "The leadership centre's programme for middle leaders (seed 000): leading a team, a subject or a "
                "phase so that teaching improves.",
     "aims": "Confident middle leaders who improve teaching in their team.",
     "outcomes": ["Leads a team through change", "Uses evidence to plan improvement", "Coaches colleagues"],
     "audiences": [Audience.MIDDLE_LEADERS, Audience.SUBJECT_LEADERS], "phases": [],
     "delivery_partner": "", "attendance": 80, "evaluation": True},
    {"title": "Pastoral leadership programme", "place": "Pastoral leadership place",
     "summary": "For heads of year and pastoral leads (seed 000): behaviour, attendance, safeguarding and "
                "wellbeing, led by system leaders with pastoral expertise.",
     "aims": "Pastoral leaders who improve behaviour and attendance.", "outcomes": [
         "Leads a pastoral team", "Uses attendance and behaviour data", "Works with families and agencies"],
     "audiences": [Audience.PASTORAL_LEADERS], "phases": ["secondary", "all_through"],
     "delivery_partner": "", "attendance": 75, "evaluation": True},
    {"title": "Assessment and moderation training", "place": "Assessment and moderation training place",
     "summary": "High quality training for securing judgement in assessment across year groups and subjects, "
                "including training as an external moderator or lead moderator (seed 003).",
     "aims": "Secure, consistent teacher assessment across schools.",
     "outcomes": ["Secures judgements in writing and maths", "Leads cluster moderation exercises",
                  "Trains as an external or lead moderator"],
     "audiences": [Audience.TEACHERS, Audience.SUBJECT_LEADERS], "phases": ["primary"],
     "delivery_partner": "", "attendance": 100, "evaluation": False},
    {"title": "Deputy heads' network", "place": "Deputy heads' network",
     "summary": "Deputy and assistant headteachers meet once a term for a whole day (seed 001): school visits, "
                "shared enquiry and a speaker.",
     "aims": "A network deputies can draw on, and practice shared across schools.",
     "outcomes": ["Shares practice across schools", "Builds a peer network"],
     "audiences": [Audience.DEPUTY_HEADS], "phases": [], "delivery_partner": "", "attendance": 66,
     "evaluation": False},
]


def build_programmes(*, partnerships: dict, **_) -> None:
    cambs = partnerships["cambridgeshire"]
    with scope(partnership=cambs):
        if not Programme.objects.filter(partnership=cambs, title__startswith=MARK).exists():
            _cambridgeshire(cambs)
    ealing = partnerships.get("ealing")
    if ealing is not None:
        with scope(partnership=ealing):
            if not Programme.objects.filter(partnership=ealing).exists():
                _ealing(ealing)


def _member(partnership, local: str) -> Membership:
    return Membership.objects.select_related("user").get(partnership=partnership,
                                                         user__email=f"{local}@{settings.DEMO_EMAIL_DOMAIN}")


def _participant(partnership) -> User:
    email = f"participant@{settings.DEMO_EMAIL_DOMAIN}"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password="demo-portal-2026", name="Pat Participant")
    Membership.objects.get_or_create(partnership=partnership, user=user, defaults={"role": Role.PARTICIPANT})
    return user


def _place_services(partnership, broker_user) -> dict[str, dict[str, Service]]:
    """The programme places of the demo catalogues (last year and this), adding those the catalogue lacks."""
    found: dict[str, dict[str, Service]] = {}
    for catalogue in Catalogue.objects.filter(partnership=partnership, academic_year__in=(LAST, CURRENT)):
        live = {s.name: s for s in Service.objects.filter(catalogue=catalogue, kind=ServiceKind.PROGRAMME_PLACE,
                                                           status=ServiceStatus.PUBLISHED)}
        position = Service.objects.filter(catalogue=catalogue).count()
        for name, member, other in PLACES:
            if name not in live:
                position += 1
                live[name] = Service.objects.create(
                    partnership=partnership, catalogue=catalogue,
                    status=ServiceStatus.PUBLISHED if catalogue.status == CatalogueStatus.PUBLISHED
                    else ServiceStatus.DRAFT, name=name, kind=ServiceKind.PROGRAMME_PLACE,
                    description=f"A place on the {name.removesuffix(' place').lower()} programme for one member of "
                                "staff.", position=position, for_members=True, for_non_members=True,
                    member_price=member, non_member_price=other, created_by=broker_user)
        found[catalogue.academic_year] = live
    return found


def _on_school_days(partnership, days: list[date]) -> list[date]:
    calendar = school_calendar(partnership=partnership)
    return [calendar.next_school_day(day) for day in days]


def _cohort(partnership, programme, name, year, service, places, status, creator, days, times, titles,
            facilitators) -> tuple[Cohort, list[Session]]:
    days = _on_school_days(partnership, days)
    cohort = Cohort.objects.create(partnership=partnership, programme=programme, name=name, academic_year=year,
                                   service=service, places=places, minimum=min(6, places), status=status,
                                   applications_open=date(int(year[:4]), 5, 1),
                                   applications_close=days[0] - timedelta(days=14), starts_on=days[0],
                                   ends_on=days[-1], created_by=creator)
    sessions = Session.objects.bulk_create([
        Session(partnership=partnership, cohort=cohort, title=title, date=day, starts_at=times[0], ends_at=times[1],
                venue=("" if i % 3 == 2 else "Comberton Village College, Cambridge"),
                online_link=(f"https://meet.example.org/{cohort.pk}-{i}" if i % 3 == 2 else ""))
        for i, (title, day) in enumerate(zip(titles, days, strict=True))])
    Facilitator.objects.bulk_create([Facilitator(partnership=partnership, cohort=cohort, **f) for f in facilitators])
    return cohort, sessions


def _places(partnership, cohort, people, *, status, school_ids, nominated_by, now, start=0, user=None):
    made = []
    for i, (name, role) in enumerate(people):
        local = name.lower().replace(" ", ".")
        extra = {}
        if status == PlaceStatus.ACCEPTED:
            extra = {"accepted_at": now - timedelta(days=40), "decided_at": now - timedelta(days=40),
                     "decided_by": nominated_by}
        elif status == PlaceStatus.WAITLISTED:
            extra = {"waitlisted_at": now - timedelta(days=20 - i)}
        elif status == PlaceStatus.OFFERED:
            extra = {"offered_at": now - timedelta(days=1), "offer_expires_at": now + timedelta(days=4),
                     "waitlisted_at": now - timedelta(days=30)}
        made.append(Place(partnership=partnership, cohort=cohort, school_id=school_ids[(start + i) % len(school_ids)],
                          name=name, email=user.email if user else f"{local}@school.{settings.DEMO_EMAIL_DOMAIN}",
                          job_role=role,
                          status=status, nominated_by=nominated_by, user=user,
                          created_at=now - timedelta(days=50), **extra))
    return Place.objects.bulk_create(made)


def _registers(partnership, sessions, places, taker, today):
    marks = []
    for s_index, session in enumerate(sessions):
        if session.date >= today:
            continue
        taken_at = datetime.combine(session.date, session.ends_at, tzinfo=LONDON)
        Session.objects.filter(pk=session.pk).update(register_taken_at=taken_at, register_taken_by=taker)
        for p_index, place in enumerate(places):
            kind = Attendance.ABSENT if (s_index + p_index) % 7 == 3 else (
                Attendance.LATE if (s_index + p_index) % 5 == 4 else Attendance.PRESENT)
            marks.append(AttendanceMark(partnership=partnership, session=session, place=place, attendance=kind,
                                        absence_reason="Ofsted inspection at school" if kind == "absent" else "",
                                        recorded_by=taker, recorded_at=taken_at))
    AttendanceMark.objects.bulk_create(marks)


def _cambridgeshire(partnership) -> None:
    broker, head = _member(partnership, "broker"), _member(partnership, "headteacher")
    leader_user = User.objects.get(email=f"system-leader@{settings.DEMO_EMAIL_DOMAIN}")
    participant = _participant(partnership)
    now, today = timezone.now(), timezone.localdate()
    services = _place_services(partnership, broker.user)
    demo_leader = SystemLeader.objects.filter(partnership=partnership, user=leader_user).first()
    others = list(SystemLeader.objects.filter(partnership=partnership, status="active").exclude(
        user=leader_user).order_by("name")[:3])
    leaders = [leader for leader in [demo_leader, *others] if leader is not None]
    schools = ["110746", *PartnershipSchool.objects.filter(partnership=partnership, is_member=True).exclude(
        school_id="110746").order_by("school__name").values_list("school_id", flat=True)[:5]]
    schools = [urn for urn in schools if School.objects.filter(pk=urn).exists()]

    def facilitating(*chosen, outside=False):
        rows = [{"leader": leader, "name": leader.name} for leader in chosen]
        if outside:
            rows.append({"name": OUTSIDE[0], "email": OUTSIDE[1], "organisation": OUTSIDE[2]})
        return rows

    made = {}
    for spec in PROGRAMMES:
        made[spec["title"]] = Programme.objects.create(
            partnership=partnership, title=spec["title"], summary=spec["summary"], aims=spec["aims"],
            outcomes=spec["outcomes"], audiences=list(spec["audiences"]), phases=spec["phases"],
            delivery_partner=spec["delivery_partner"], completion_attendance=spec["attendance"],
            completion_needs_evaluation=spec["evaluation"], status=ProgrammeStatus.PUBLISHED, created_by=broker.user)
    day = (time(9, 0), time(15, 30))
    twilight = (time(16, 0), time(18, 0))
    lead = leaders[:1]
    ctx = SimpleNamespace(partnership=partnership, broker=broker, head=head, leader_user=leader_user,
                          participant=participant, now=now, today=today, services=services, leaders=leaders,
                          schools=schools, facilitating=facilitating, made=made, day=day, twilight=twilight,
                          lead=lead)
    _leading_from_the_middle(ctx)
    _pastoral(ctx)
    _open_cohorts(ctx)


def _leading_from_the_middle(ctx: SimpleNamespace) -> None:
    """Last year's cohort completed, with registers and evaluations; this year's open, with the demo participant."""
    lftm = ctx.made["Leading from the middle"]
    done_cohort, done_sessions = _cohort(
        ctx.partnership, lftm, "2025-26 cohort", LAST,
        ctx.services.get(LAST, {}).get("Leading from the middle place"), 12,
        CohortStatus.COMPLETED, ctx.broker.user,
        [date(2025, 10, 7), date(2025, 11, 18), date(2026, 1, 20), date(2026, 3, 10), date(2026, 5, 12)], ctx.day,
        ["Leading a team", "Leading change", "Using evidence", "Coaching colleagues", "Presenting impact"],
        ctx.facilitating(*ctx.leaders[1:3], outside=True))
    finished = _places(ctx.partnership, done_cohort, STAFF[6:12], status=PlaceStatus.ACCEPTED, school_ids=ctx.schools,
                       nominated_by=ctx.head.user, now=ctx.now - timedelta(days=300), start=1)
    _registers(ctx.partnership, done_sessions, finished, ctx.leader_user, ctx.today)
    Place.objects.filter(pk__in=[p.pk for p in finished]).update(completed_at=ctx.now - timedelta(days=150))
    Cohort.objects.filter(pk=done_cohort.pk).update(taken=len(finished))
    impacts = [8, 7, 9, 6, 8, 7]
    Evaluation.objects.bulk_create([Evaluation(
        partnership=ctx.partnership, place=place, impact=impacts[i % len(impacts)], submitted_by=ctx.head.user,
        practice_change=["I now run fortnightly coaching conversations with my team.",
                         "Our department plans from assessment evidence, not habit.",
                         "I led a whole-school change to marking that staff kept."][i % 3],
        submitted_at=ctx.now - timedelta(days=160)) for i, place in enumerate(finished)])

    current, sessions = _cohort(
        ctx.partnership, lftm, "2026-27 cohort", CURRENT,
        ctx.services.get(CURRENT, {}).get("Leading from the middle place"),
        10, CohortStatus.OPEN, ctx.broker.user,
        [date(2026, 10, 6), date(2026, 11, 17), date(2027, 1, 19), date(2027, 3, 9), date(2027, 5, 11)], ctx.day,
        ["Leading a team", "Leading change", "Using evidence", "Coaching colleagues", "Presenting impact"],
        ctx.facilitating(*ctx.lead, outside=True))
    accepted = _places(ctx.partnership, current, [("Pat Participant", "Head of English")], status=PlaceStatus.ACCEPTED,
                       school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now, user=ctx.participant)
    accepted += _places(ctx.partnership, current, STAFF[:4], status=PlaceStatus.ACCEPTED, school_ids=ctx.schools,
                        nominated_by=ctx.head.user, now=ctx.now)
    offered = _places(ctx.partnership, current, STAFF[4:5], status=PlaceStatus.OFFERED, school_ids=ctx.schools,
                      nominated_by=ctx.head.user, now=ctx.now, start=2)
    _places(ctx.partnership, current, STAFF[5:6], status=PlaceStatus.NOMINATED, school_ids=ctx.schools,
            nominated_by=ctx.head.user, now=ctx.now, start=3)
    Cohort.objects.filter(pk=current.pk).update(taken=len(accepted) + len(offered))
    _registers(ctx.partnership, sessions, accepted, ctx.leader_user, ctx.today)


def _pastoral(ctx: SimpleNamespace) -> None:
    """Full, with a waitlist; the demo participant holds a place."""
    pastoral, sessions = _cohort(
        ctx.partnership, ctx.made["Pastoral leadership programme"], "2026-27 cohort", CURRENT,
        ctx.services.get(CURRENT, {}).get("Pastoral leadership place"), 4, CohortStatus.OPEN, ctx.broker.user,
        [date(2026, 11, 10), date(2027, 2, 9), date(2027, 4, 27)], ctx.twilight,
        ["Behaviour and attendance", "Safeguarding and early help", "Wellbeing and families"],
        ctx.facilitating(*ctx.leaders[1:2]))
    held = _places(ctx.partnership, pastoral, [("Pat Participant", "Head of English")], status=PlaceStatus.ACCEPTED,
                   school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now, user=ctx.participant)
    held += _places(ctx.partnership, pastoral, [("Lewis Grant", "Head of year 9"), ("Owen Price", "Pastoral lead"),
                                           ("Nadia Begum", "Head of year 7")], status=PlaceStatus.ACCEPTED,
                    school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now, start=2)
    _places(ctx.partnership, pastoral, [("Chris Dunn", "Head of year 11"), ("Hollie Marsh", "Behaviour lead")],
            status=PlaceStatus.WAITLISTED, school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now, start=4)
    Cohort.objects.filter(pk=pastoral.pk).update(taken=len(held))
    _registers(ctx.partnership, sessions, held, ctx.leader_user, ctx.today)


def _open_cohorts(ctx: SimpleNamespace) -> None:
    """Headship, moderation and the deputy heads' network: open cohorts with sessions and a few places."""
    headship, sessions = _cohort(
        ctx.partnership, ctx.made["Preparing for headship (NPQH-style)"], "2026-27 cohort", CURRENT,
        ctx.services.get(CURRENT, {}).get("Preparing for headship place"), 24, CohortStatus.OPEN, ctx.broker.user,
        [date(2027, 1, 26), date(2027, 3, 16), date(2027, 6, 8)], ctx.day,
        ["Leading a school's vision", "Finance and staffing", "Accountability and outcomes"],
        ctx.facilitating(*ctx.leaders[2:4], outside=True))
    _places(ctx.partnership, headship, [("Jack Morris", "Deputy headteacher"), ("Aisha Rahman", "Deputy headteacher")],
            status=PlaceStatus.ACCEPTED, school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now)
    Cohort.objects.filter(pk=headship.pk).update(taken=2)
    moderation, _ = _cohort(
        ctx.partnership, ctx.made["Assessment and moderation training"], "2026-27 cohort", CURRENT,
        ctx.services.get(CURRENT, {}).get("Assessment and moderation training place"), 30, CohortStatus.OPEN,
        ctx.broker.user, [date(2027, 2, 2), date(2027, 5, 4), date(2027, 6, 15)], ctx.twilight,
        ["Securing judgements in writing", "Cluster moderation exercise", "External and lead moderator training"],
        ctx.facilitating(*ctx.leaders[3:4]))
    _places(ctx.partnership, moderation, [("Sara Lindqvist", "Year 6 teacher"), ("Mei Chen", "English subject leader")],
            status=PlaceStatus.ACCEPTED, school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now, start=1)
    Cohort.objects.filter(pk=moderation.pk).update(taken=2)
    network, sessions = _cohort(
        ctx.partnership, ctx.made["Deputy heads' network"], "2026-27 network", CURRENT,
        ctx.services.get(CURRENT, {}).get("Deputy heads' network"), 20, CohortStatus.OPEN, ctx.broker.user,
        [date(2026, 11, 5), date(2027, 3, 4), date(2027, 6, 24)], ctx.day,
        ["Autumn meeting", "Spring meeting", "Summer meeting"], ctx.facilitating(*ctx.lead))
    deputies = _places(ctx.partnership, network, [("Jack Morris", "Deputy headteacher"),
                                              ("Aisha Rahman", "Deputy headteacher")],
                       status=PlaceStatus.ACCEPTED, school_ids=ctx.schools, nominated_by=ctx.head.user, now=ctx.now)
    Cohort.objects.filter(pk=network.pk).update(taken=len(deputies))
    _registers(ctx.partnership, sessions, deputies, ctx.leader_user, ctx.today)


def _ealing(partnership) -> None:
    broker = _member(partnership, "broker")
    services = _place_services(partnership, broker.user)
    programme = Programme.objects.create(
        partnership=partnership, title="Assessment and moderation training", summary=PROGRAMMES[3]["summary"],
        aims=PROGRAMMES[3]["aims"], outcomes=PROGRAMMES[3]["outcomes"], audiences=[Audience.TEACHERS],
        phases=["primary"], completion_attendance=100, completion_needs_evaluation=False,
        status=ProgrammeStatus.PUBLISHED, created_by=broker.user)
    _cohort(partnership, programme, "2026-27 cohort", CURRENT,
            services.get(CURRENT, {}).get("Assessment and moderation training place"), 25, CohortStatus.OPEN,
            broker.user, [date(2027, 1, 14), date(2027, 5, 6)], (time(16, 0), time(18, 0)),
            ["Key stage 1 moderation", "Key stage 2 writing"],
            [{"name": "Moderation manager", "organisation": "Ealing Learning Partnership"}])
