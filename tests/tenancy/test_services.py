from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope

from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, NotAllowed
from portal.notifications.models import Channel, Notification
from portal.tenancy import services
from portal.tenancy.models import Invitation, Membership
from portal.tenancy.roles import CAPABILITIES, Role, role_can
from tests.factories import UserFactory, make_invitation, make_member


def test_capabilities_are_answered_in_one_place(broker, approver, headteacher):
    assert approver.can("deployments.approve")
    assert not broker.can("deployments.approve")
    assert broker.can("deployments.propose")
    assert headteacher.can("requests.create") and not headteacher.can("members.manage")
    assert all(role_can(Role.ADMIN, c) == (Role.ADMIN in roles) for c, roles in CAPABILITIES.items())


def test_an_unknown_capability_is_a_programming_error(broker):
    with pytest.raises(KeyError, match="Unknown capability"):
        broker.can("deployments.aprove")


def test_an_inactive_membership_can_do_nothing(admin):
    admin.is_active = False
    assert not admin.can("members.manage")


def test_admin_invites_with_an_audit_event_and_an_outbox_email(admin, django_capture_on_commit_callbacks):
    with scope(partnership=admin.partnership), django_capture_on_commit_callbacks() as callbacks:
        sent = services.invite_member(actor=admin, email=" New.Head@School.example.org ", role=Role.HEADTEACHER)
    invitation = sent.invitation
    assert invitation.email == "new.head@school.example.org"
    assert invitation.token_hash != sent.token and len(sent.token) >= 40
    event = AuditEvent.objects.get(action="invitation.sent")
    assert event.actor == admin.user and event.new == {"email": invitation.email, "role": "headteacher"}
    [email] = Notification.objects.filter(event_type="invitation.sent")
    assert email.channel == Channel.EMAIL and email.email == invitation.email and email.sent_at is None
    assert sent.token in email.link
    assert len(callbacks) == 1  # delivery queued on commit


def test_only_admins_can_invite(broker):
    with scope(partnership=broker.partnership), pytest.raises(NotAllowed):
        services.invite_member(actor=broker, email="x@example.org", role=Role.BROKER)


def test_inviting_an_active_member_is_refused_plainly(admin, broker):
    with scope(partnership=admin.partnership), pytest.raises(DomainError, match="already a member"):
        services.invite_member(actor=admin, email=broker.user.email.upper(), role=Role.APPROVER)


def test_a_new_invitation_withdraws_the_earlier_one_for_the_same_address(admin):
    with scope(partnership=admin.partnership):
        first = services.invite_member(actor=admin, email="a@example.org", role=Role.BROKER).invitation
        services.invite_member(actor=admin, email="a@example.org", role=Role.APPROVER)
    first.refresh_from_db()
    assert first.revoked_at is not None


def test_accepting_creates_the_membership_once_and_tells_both_sides(admin):
    with scope(partnership=admin.partnership):
        sent = services.invite_member(actor=admin, email="joiner@example.org", role=Role.BROKER)
    user = UserFactory(email="joiner@example.org")
    membership = services.accept_invitation(token=sent.token, user=user)
    assert membership.role == Role.BROKER and membership.partnership == admin.partnership
    assert AuditEvent.objects.filter(action="membership.joined", actor=user).count() == 1
    assert Notification.objects.filter(event_type="membership.joined", recipient=user, channel=Channel.IN_APP).exists()
    assert Notification.objects.filter(event_type="invitation.accepted", recipient=admin.user).exists()
    with pytest.raises(services.InvitationInvalid) as error:
        services.accept_invitation(token=sent.token, user=user)
    assert error.value.reason == "used"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"expires_in_days": -1}, "expired"),
        ({"revoked_at": timezone.now()}, "withdrawn"),
        ({"accepted_at": timezone.now()}, "used"),
    ],
)
def test_unusable_links_say_why(partnership, change, reason):
    make_invitation(partnership, token="tok", **change)
    with pytest.raises(services.InvitationInvalid) as error:
        services.global_invitation_for_token("tok")
    assert error.value.reason == reason


def test_a_tampered_token_is_unknown(partnership):
    make_invitation(partnership, token="genuine")
    with pytest.raises(services.InvitationInvalid) as error:
        services.global_invitation_for_token("genuinE")
    assert error.value.reason == "unknown"


def test_the_invitation_must_be_accepted_by_its_address(partnership):
    make_invitation(partnership, token="tok", email="right@example.org")
    with pytest.raises(services.InvitationInvalid) as error:
        services.accept_invitation(token="tok", user=UserFactory(email="wrong@example.org"))
    assert error.value.reason == "wrong-user"
    assert not Membership.objects.filter(user__email="wrong@example.org").exists()


def test_accepting_reactivates_an_old_membership_with_the_new_role(partnership):
    old = make_member(partnership, Role.HEADTEACHER)
    old.is_active = False
    old.save()
    make_invitation(partnership, token="tok", email=old.user.email, role=Role.SYSTEM_LEADER)
    membership = services.accept_invitation(token="tok", user=old.user)
    assert membership.pk == old.pk and membership.is_active and membership.role == Role.SYSTEM_LEADER


def test_changing_a_role_is_audited_and_the_member_is_told(admin, headteacher):
    with scope(partnership=admin.partnership):
        services.change_role(actor=admin, membership=headteacher, role=Role.BROKER)
    headteacher.refresh_from_db()
    assert headteacher.role == Role.BROKER
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.old == {"role": "headteacher"} and event.new == {"role": "broker"}
    assert Notification.objects.filter(event_type="membership.role_changed", recipient=headteacher.user).count() == 2


def test_the_last_admin_cannot_be_demoted_or_deactivated(admin):
    with scope(partnership=admin.partnership):
        with pytest.raises(DomainError, match="at least one active admin"):
            services.change_role(actor=admin, membership=admin, role=Role.BROKER)
        other = make_member(admin.partnership, Role.ADMIN)
        services.change_role(actor=admin, membership=other, role=Role.BROKER)
        with pytest.raises(DomainError, match="your own"):
            services.deactivate_membership(actor=admin, membership=admin)


def test_deactivating_twice_reports_the_conflict(admin, broker):
    with scope(partnership=admin.partnership):
        services.deactivate_membership(actor=admin, membership=broker, reason="Left the steering group")
        with pytest.raises(Conflict):
            services.deactivate_membership(actor=admin, membership=broker)
        services.reactivate_membership(actor=admin, membership=broker)
    broker.refresh_from_db()
    assert broker.is_active
    actions = list(AuditEvent.objects.filter(object_id=str(broker.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["membership.deactivated", "membership.reactivated"]


def test_withdrawing_an_invitation_once(admin):
    invitation = make_invitation(admin.partnership, token="tok")
    with scope(partnership=admin.partnership):
        services.revoke_invitation(actor=admin, invitation=invitation)
        with pytest.raises(Conflict):
            services.revoke_invitation(actor=admin, invitation=invitation)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_settings_changes_record_only_what_changed(admin):
    with scope(partnership=admin.partnership):
        services.update_partnership_settings(actor=admin, changes={"four_eyes_approval": False, "offer_expiry_days": 10})
    event = AuditEvent.objects.get(action="partnership.settings_changed")
    assert event.old == {"four_eyes_approval": True} and event.new == {"four_eyes_approval": False}


def test_audit_events_are_append_only(admin):
    with scope(partnership=admin.partnership):
        services.update_partnership_settings(actor=admin, changes={"four_eyes_approval": False})
    event = AuditEvent.objects.get()
    event.note = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_updates_to_audit_rows_from_any_client(admin):
    from django.db import connection

    if connection.vendor != "postgresql":
        from tests.conftest import require

        require(False, "PostgreSQL")
    with scope(partnership=admin.partnership):
        services.update_partnership_settings(actor=admin, changes={"four_eyes_approval": False})
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.objects.filter(action="partnership.settings_changed").update(note="rewritten")
    # Deleting the actor is the one update allowed: the label keeps who it was.
    email = admin.user.email
    admin.user.delete()
    event = AuditEvent.objects.get(action="partnership.settings_changed")
    assert event.actor is None and event.actor_label == email
