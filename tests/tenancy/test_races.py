"""Two people acting at once on real PostgreSQL: exactly one wins, the other gets a clear message."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_scopes import scope, scopes_disabled

from portal.audit.models import AuditEvent
from portal.errors import DomainError
from portal.tenancy import services
from portal.tenancy.models import Membership
from portal.tenancy.rls import cross_partnership
from portal.tenancy.roles import Role
from tests.conftest import require
from tests.factories import UserFactory, make_invitation, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def race(*actions):
    """Run each action in its own thread, released together; return (results, errors)."""
    barrier = threading.Barrier(len(actions))
    results, errors = [], []

    def run(action):
        try:
            barrier.wait()
            with cross_partnership("a racing thread's look-ups", quiet=True):
                results.append(action())
        except Exception as error:  # collected for the assertions
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.mark.parametrize("attempt", range(5))
def test_two_admins_demoting_each_other_leave_one_admin(postgres, partnership, attempt):
    first, second = make_member(partnership, Role.ADMIN), make_member(partnership, Role.ADMIN)

    def demote(actor, target):
        def action():
            with scope(partnership=partnership):
                return services.change_role(actor=actor, membership=target, role=Role.BROKER)
        return action

    results, errors = race(demote(first, second), demote(second, first))
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError)
    with scopes_disabled():
        assert Membership.objects.filter(partnership=partnership, role=Role.ADMIN, is_active=True).count() == 1
        assert AuditEvent.objects.filter(action="membership.role_changed").count() == 1


@pytest.mark.parametrize("attempt", range(5))
def test_an_invitation_opened_twice_at_once_makes_one_membership(postgres, partnership, attempt):
    make_invitation(partnership, token=f"tok{attempt}", email="joiner@example.org", role=Role.HEADTEACHER)
    user = UserFactory(email="joiner@example.org")

    def accept():
        return services.accept_invitation(token=f"tok{attempt}", user=user)

    results, errors = race(*[accept] * 8)
    assert len(results) == 1 and len(errors) == 7
    assert all(isinstance(e, services.InvitationInvalid) and e.reason == "used" for e in errors)
    with scopes_disabled():
        assert Membership.objects.filter(user=user).count() == 1
        assert AuditEvent.objects.filter(action="membership.joined").count() == 1
