"""Two admins saving a provider's sign-in settings at once, on real PostgreSQL: one row, both saves audited."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled

from portal.audit.models import AuditEvent
from portal.sso import services
from portal.sso.models import SignInProvider
from portal.tenancy.roles import Role
from tests.factories import make_member
from tests.tenancy.test_races import postgres, race  # noqa: F401  (postgres is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempt", range(3))
def test_two_admins_allowing_a_provider_at_once_make_one_row(postgres, partnership, attempt):  # noqa: F811
    first, second = make_member(partnership, Role.ADMIN), make_member(partnership, Role.ADMIN)

    def save(actor, domain):
        def action():
            with scope(partnership=partnership):
                return services.update_sign_in_provider(actor=actor, provider="google", allowed=True,
                                                        domains=[domain], enforces_mfa=False)
        return action

    results, errors = race(save(first, "histon.cambs.sch.uk"), save(second, "impington.cambs.sch.uk"))
    assert errors == [] and len(results) == 2
    with scopes_disabled():
        row = SignInProvider.objects.get(partnership=partnership, provider="google")
        events = list(AuditEvent.objects.filter(action="sso.settings_changed").order_by("pk"))
    # The one saved last is what stays, and the events say so in order.
    assert len(events) == 2
    assert row.email_domains == events[-1].new["email_domains"]
