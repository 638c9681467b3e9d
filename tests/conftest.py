"""Personas and two partnerships for every test (STYLE.md): the second tenant is always present.

Services these tests need (PostgreSQL, Redis, Chromium, redis-server) are *required* when CI is set:
a missing one fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django_scopes import scopes_disabled

from portal.tenancy.roles import Role
from tests.factories import PartnershipFactory, make_member

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright runs an event loop

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, what: str) -> None:
    """Skip locally when a real service is missing; fail in CI, where every test must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available.")
    pytest.skip(f"{what} is not available here (it is required in CI).")


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return path if os.path.exists(path) else shutil.which("chromium")


@pytest.fixture(autouse=True)
def _scopes_disabled_for_fixtures(request):
    """Fixtures and assertions run with scopes disabled; code under test enters its own scope.

    Tests marked `scoped` (the convention and isolation tests) opt out to see the real behaviour.
    """
    if request.node.get_closest_marker("scoped"):
        yield
        return
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _force_login_passes_mfa(monkeypatch):
    """`client.force_login` stands for a full sign-in: for a user with an authenticator, that includes
    the second factor. Tests of the password-only case use `client.login` instead."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if Authenticator.objects.filter(user_id=user.pk).exists():
            session = self.session
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": 0, "type": "totp"}]
            session[AUTHENTICATION_METHODS_SESSION_KEY + "_user"] = str(user.pk)
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _test_settings(settings, request):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.MFA_EXEMPT_DEMO_USERS = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "http://portal.test"
    redis_url = settings.REDIS_URL
    if redis_url:
        # A real Redis cache in a database of its own, emptied per test so rate limits do not leak.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url.rsplit("/", 1)[0] + "/15",
                "KEY_PREFIX": "portal-tests",
            }
        }
    from django.core.cache import cache

    cache.clear()
    # Outside the integration tests (which run a real worker against a real broker), queued tasks
    # run inline so nothing is left behind in a shared Redis.
    from portal.celery import app

    eager = not request.node.get_closest_marker("integration")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def partnership(db):
    return PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")


@pytest.fixture
def other_partnership(db):
    return PartnershipFactory(name="Ealing Learning Partnership", slug="ealing")


@pytest.fixture
def headteacher(partnership):
    """The headteacher of Histon and Impington Junior School (URN 139087) in Cambridgeshire (873)."""
    from alliances.models import LocalAuthority, School

    membership = make_member(partnership, Role.HEADTEACHER)
    cambridgeshire, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    school, _ = School.objects.get_or_create(urn="139087", defaults={"name": "Histon and Impington Junior School",
                                                                     "la": cambridgeshire})
    membership.schools.add(school)
    return membership


@pytest.fixture
def system_leader(partnership):
    return make_member(partnership, Role.SYSTEM_LEADER)


@pytest.fixture
def broker(partnership):
    return make_member(partnership, Role.BROKER)


@pytest.fixture
def approver(partnership):
    return make_member(partnership, Role.APPROVER)


@pytest.fixture
def la_officer(partnership):
    """An LA officer for Cambridgeshire (DfE LA code 873)."""
    from alliances.models import LocalAuthority

    membership = make_member(partnership, Role.LA_OFFICER)
    cambridgeshire, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    membership.local_authorities.add(cambridgeshire)
    return membership


@pytest.fixture
def admin(partnership):
    return make_member(partnership, Role.ADMIN)


@pytest.fixture
def outsider(other_partnership):
    """An admin of the other partnership only: sees nothing of the first."""
    return make_member(other_partnership, Role.ADMIN)


@pytest.fixture
def other_admin(other_partnership):
    return make_member(other_partnership, Role.ADMIN)


@pytest.fixture
def personas(headteacher, system_leader, broker, approver, la_officer, admin):
    return {
        Role.HEADTEACHER: headteacher,
        Role.SYSTEM_LEADER: system_leader,
        Role.BROKER: broker,
        Role.APPROVER: approver,
        Role.LA_OFFICER: la_officer,
        Role.ADMIN: admin,
    }


@pytest.fixture
def as_member(client):
    def sign_in(membership):
        client.force_login(membership.user)
        return client

    return sign_in
