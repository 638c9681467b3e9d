from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from alliances import services
from alliances.models import Cluster, ClusterSchool, LeaderSpecialism, SchoolLink, Specialism, Status, SystemLeader
from alliances.taxonomy import DEFAULT_SPECIALISMS
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from tests.factories import LocalAuthorityFactory, SchoolFactory, default_specialisms, make_member


@pytest.fixture
def la(db):
    return LocalAuthorityFactory(code="873", name="Cambridgeshire")


@pytest.fixture
def histon(la):
    return SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=la, phase="")


@pytest.fixture
def closed(la, histon):
    school = SchoolFactory(urn="110751", name="Histon Junior (old)", la=la, phase="", status=Status.CLOSED,
                           close_date=date(2012, 11, 30))
    SchoolLink.objects.create(urn="110751", linked_urn="139087", link_type="Successor")
    return school


@pytest.fixture
def taxonomy(partnership):
    return default_specialisms(partnership)


def leader_values(school, **extra):
    return {"name": "Priya Patel", "email": "ppatel@school.example.org", "home_school": school, "designation": "SLE",
            "designated_on": date(2024, 9, 1), "review_due": date(2028, 9, 1), "phase_primary": True, **extra}


def test_the_default_taxonomy_is_added_once(partnership):
    assert services.ensure_default_specialisms(partnership=partnership) == len(DEFAULT_SPECIALISMS)
    assert services.ensure_default_specialisms(partnership=partnership) == 0


def test_a_specialism_in_use_is_retired_not_deleted(broker, histon, taxonomy):
    maths = taxonomy["Mathematics"]
    with scope(partnership=broker.partnership):
        services.save_system_leader(actor=broker, specialisms=[maths], **leader_values(histon))
        with pytest.raises(DomainError, match="Retire it instead"):
            services.delete_specialism(actor=broker, specialism=maths)
        services.set_specialism_retired(actor=broker, specialism=maths, retired=True)
        services.delete_specialism(actor=broker, specialism=taxonomy["Computing"])
    assert Specialism.objects.get(pk=maths.pk).is_retired
    assert not Specialism.objects.filter(name="Computing").exists()
    assert LeaderSpecialism.objects.filter(specialism=maths).exists()


def test_duplicate_specialisms_are_refused(broker, taxonomy):
    with scope(partnership=broker.partnership), pytest.raises(DomainError, match="already a specialism"):
        services.add_specialism(actor=broker, group="teaching", name="  mathematics ")


def test_system_leader_rules_speak_plainly(broker, histon, closed, taxonomy):
    with scope(partnership=broker.partnership):
        with pytest.raises(DomainError, match="review date must be on or after the designation date"):
            services.save_system_leader(actor=broker, specialisms=[], **leader_values(histon, review_due=date(2020, 1, 1)))
        with pytest.raises(DomainError, match="Its successor is Histon and Impington Junior School, URN 139087"):
            services.save_system_leader(actor=broker, specialisms=[], **leader_values(closed))
        with pytest.raises(DomainError, match="not one of this partnership's designations"):
            services.save_system_leader(actor=broker, specialisms=[], **leader_values(histon, designation="XYZ"))
    assert not SystemLeader.objects.exists()


def test_designation_changes_make_a_history(broker, histon, taxonomy):
    with scope(partnership=broker.partnership):
        leader = services.save_system_leader(actor=broker, specialisms=[taxonomy["English"]], **leader_values(histon))
        services.save_system_leader(actor=broker, leader=leader, specialisms=[taxonomy["English"]], designation="LLE",
                                    status="under_review")
        services.save_system_leader(actor=broker, leader=leader, specialisms=[taxonomy["English"]], phone="01223 000000")
    history = AuditEvent.objects.filter(object_id=str(leader.pk), action="system_leader.designation_changed").order_by("id")
    assert [(e.old, e.new) for e in history] == [
        ({}, {"designation": "SLE", "designated_on": "2024-09-01", "review_due": "2028-09-01", "status": "active"}),
        ({"designation": "SLE", "status": "active"}, {"designation": "LLE", "status": "under_review"}),
    ]
    assert AuditEvent.objects.filter(object_id=str(leader.pk), action="system_leader.updated").count() == 1


def test_a_system_leader_edits_their_own_profile_but_not_their_designation(partnership, histon, taxonomy):
    member = make_member(partnership, "system_leader")
    other = make_member(partnership, "system_leader")
    broker = make_member(partnership, "broker")
    with scope(partnership=partnership):
        leader = services.save_system_leader(actor=broker, specialisms=[], **leader_values(histon, user=member.user))
        services.update_own_profile(actor=member, leader=leader, specialisms=[taxonomy["Science"]],
                                    capacity_days_per_term=Decimal("4.5"), phase_secondary=True)
        with pytest.raises(NotAllowed):
            services.update_own_profile(actor=other, leader=leader, specialisms=[], capacity_days_per_term=Decimal(1))
        with pytest.raises(ValueError, match="Only phases"):
            services.update_own_profile(actor=member, leader=leader, specialisms=[], capacity_days_per_term=Decimal(1),
                                        designation="NLE")
    leader.refresh_from_db()
    assert leader.designation == "SLE" and leader.capacity_days_per_term == Decimal("4.5")
    assert leader.phases == ["Primary", "Secondary"]


def test_clusters_keep_members_per_year_and_refuse_duplicates(broker, histon, la):
    other = SchoolFactory(urn="137049", name="Comberton Village College", la=la, phase="")
    with scope(partnership=broker.partnership):
        cluster = services.save_cluster(actor=broker, schools=[histon, other], name="North Cambridge", kind="triad",
                                        la=la, chair_school=histon, academic_year="2026-27", notes="")
        services.save_cluster(actor=broker, cluster=cluster, schools=[other], name="North Cambridge", kind="triad",
                              la=la, chair_school=other, academic_year="2026-27", notes="")
        with pytest.raises(DomainError, match="already a cluster called North Cambridge in 2026-27"):
            services.save_cluster(actor=broker, schools=[], name="North Cambridge", kind="triad", la=la,
                                  chair_school=None, academic_year="2026-27", notes="")
    assert list(ClusterSchool.objects.values_list("school_id", flat=True)) == ["137049"]
    assert Cluster.objects.count() == 1


def test_la_officers_cannot_change_the_directory(la_officer, histon):
    with scope(partnership=la_officer.partnership), pytest.raises(NotAllowed):
        services.save_cluster(actor=la_officer, schools=[], name="X", kind="triad", la=None, chair_school=None,
                              academic_year="2026-27", notes="")


def test_an_account_is_linked_to_one_leader_at_most(partnership, histon, taxonomy):
    member = make_member(partnership, "system_leader")
    broker = make_member(partnership, "broker")
    with scope(partnership=partnership):
        services.save_system_leader(actor=broker, specialisms=[], **leader_values(histon, user=member.user))
        with pytest.raises(DomainError, match="already linked to Priya Patel"):
            services.save_system_leader(actor=broker, specialisms=[], **leader_values(histon, name="Second", user=member.user))


def test_closed_schools_cannot_join_a_cluster_on_edit_or_chair_it(broker, histon, closed, la):
    with scope(partnership=broker.partnership):
        cluster = services.save_cluster(actor=broker, schools=[histon], name="Histon", kind="triad", la=la,
                                        chair_school=None, academic_year="2026-27", notes="")
        with pytest.raises(DomainError, match="cannot be added to a cluster"):
            services.save_cluster(actor=broker, cluster=cluster, schools=[histon, closed], name="Histon", kind="triad",
                                  la=la, chair_school=None, academic_year="2026-27", notes="")
        with pytest.raises(DomainError, match="cannot be a cluster's chair"):
            services.save_cluster(actor=broker, cluster=cluster, schools=[histon], name="Histon", kind="triad",
                                  la=la, chair_school=closed, academic_year="2026-27", notes="")
