"""Personas and two partnerships for every test (STYLE.md): the second tenant is always present.

Services these tests need (PostgreSQL, Redis, Chromium, redis-server) are *required* when CI is set:
a missing one fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import warnings
from urllib.parse import urlsplit

import pytest

from portal.tenancy.rls import cross_partnership, owner_mode
from portal.tenancy.roles import Role
from tests import template_db
from tests.factories import PartnershipFactory, make_member

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright runs an event loop


def _check_kept_statements() -> None:
    """Every statement a page keeps (`portal.kept`) is built again on every use in the tests and must be the same:
    a key that misses an input fails the tests that vary it, instead of showing someone stale rows."""
    from portal import kept

    kept.CHECK = True


_check_kept_statements()

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


def xdist_worker_index() -> int | None:
    """0, 1, … in a pytest-xdist worker (gw0, gw1, …); None in a serial run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else None


def cache_redis_database(redis_url: str) -> int:
    """The Redis database this process's test cache may empty at will: 15 in a serial run, and 14, 13, …
    for xdist workers gw0, gw1, …, never the broker's own database (REDIS_URL's). TEST_CACHE_REDIS_DB names
    others (comma-separated: the serial run's or gw0's first, then gw1's, …), so two checkouts testing at once on
    one machine never empty each other's cache."""
    broker = int(urlsplit(redis_url).path.lstrip("/") or 0)
    chosen = [int(n) for n in os.environ.get("TEST_CACHE_REDIS_DB", "").split(",") if n.strip()]
    if chosen:
        number = chosen[min(xdist_worker_index() or 0, len(chosen) - 1)]
        if number == broker or len(set(chosen)) < len(chosen) or len(chosen) <= (xdist_worker_index() or 0):
            raise pytest.UsageError("TEST_CACHE_REDIS_DB: one database per worker, none of them the broker's.")
        return number
    free = [n for n in range(15, -1, -1) if n != broker]
    index = xdist_worker_index()
    slot = 0 if index is None else index + 1
    if slot >= len(free):
        raise pytest.UsageError(f"{slot} xdist workers need more Redis databases than the 16 Redis has; use fewer.")
    return free[slot]


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings, django_db_blocker):
    """`--reuse-db` keeps the test database as pytest-django does. Otherwise each worker's database is made
    from the migrated template of an earlier run when there is one (tests/template_db.py), and, like a
    reused one, only migrated over; `django_db_setup` drops it at the end."""
    if request.config.getvalue("reuse_db"):
        return True
    if request.config.getvalue("create_db"):
        return False
    with django_db_blocker.unblock():
        request.config._portal_cloned_test_db = template_db.clone_from_template()
    return request.config._portal_cloned_test_db


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """pytest-django's test database (one per xdist worker: test_<name>_gw0, ...), made from the template of an
    earlier run, or migrated and then kept as the template for the next. Before it is dropped, any
    session still connected to it (a thread or subprocess of a test that outlived it) gets 10 s to end, then
    is named in a warning and ended, so the drop does not fail and leave the database behind."""
    cloned = getattr(request.config, "_portal_cloned_test_db", False)
    if not cloned and not request.config.getvalue("reuse_db"):
        with django_db_blocker.unblock():
            template_db.save_as_template()
    yield
    from django.db import connection

    query = ("SELECT pid, application_name, client_port, backend_start, state, left(query, 200) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        deadline = time.monotonic() + 10
        # As the role that logged in: the application role may not end other roles' sessions.
        with owner_mode(connection), connection.cursor() as cursor:
            cursor.execute(query)
            while (left := cursor.fetchall()) and time.monotonic() < deadline:
                time.sleep(0.2)
                cursor.execute(query)
            if left:
                warnings.warn(f"Sessions still connected to the test database {connection.settings_dict['NAME']}, "
                              f"ended before dropping it: {left}; threads here: {threading.enumerate()}", stacklevel=1)
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        connection.close()
        if cloned:  # pytest-django drops only the databases it created
            template_db.drop_test_database()


@pytest.fixture(scope="session", autouse=True)
def _quick_flush_after_transactional_tests():
    """Transactional tests (races, browsers, real workers) end with Django's flush: one TRUNCATE of every
    table, which on PostgreSQL takes a second or more (new files for every table and index) where deleting
    the few rows a test wrote takes milliseconds. Same end state, every table empty, in one transaction:
    every foreign key is deferrable, so the order of the deletes does not matter, and tables with a trigger
    on DELETE (the append-only audit log refuses it) are still truncated."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT condeferrable")
            if cursor.fetchone()[0]:
                return original(self, style, tables)
            # Tables with a trigger before DELETE (bits 2 and 8 of tgtype), which may refuse it; triggers on INSERT
            # or UPDATE only (the copy of each leader's home school) do not stop a DELETE. Tables with a trigger
            # after DELETE (the charge sums, the school counts) are emptied first, so the rows their triggers
            # write into other tables are deleted after them.
            cursor.execute("SELECT c.relname, bool_or(t.tgtype & 10 = 10) FROM pg_trigger t JOIN pg_class c "
                           "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgtype & 8 <> 0 "
                           "AND c.relname = ANY(%s) GROUP BY c.relname", [list(tables)])
            found = dict(cursor.fetchall())
            triggered = {name for name, before in found.items() if before}
        statements = ["SET CONSTRAINTS ALL DEFERRED"]
        if triggered:
            statements.append("TRUNCATE " + ", ".join(self.quote_name(table) for table in sorted(triggered)))
        statements += [f"DELETE FROM {self.quote_name(table)}"
                       for table in sorted(tables, key=lambda table: table not in found) if table not in triggered]
        return ["; ".join(statements) + ";"]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _scopes_disabled_for_fixtures(request):
    """Fixtures and assertions run across partnerships (scopes disabled, and the database's row-level
    security bypassed, portal/tenancy/rls.py); code under test enters its own scope, which is strict again.

    Tests marked `scoped` (the convention and isolation tests) opt out to see the real behaviour.
    """
    if request.node.get_closest_marker("scoped"):
        yield
        return
    with cross_partnership("test fixtures and assertions", quiet=True):
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


def settings_for_tests(settings) -> dict:
    """The settings every test runs with, over the project's (`settings`: django.conf.settings or pytest-django's
    fixture), for `_test_settings` and for data shared by the tests of a module (tests/shared_data.py)."""
    values = {
        "STORAGES": {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        "MFA_EXEMPT_DEMO_USERS": False,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "SITE_URL": "http://portal.test",
    }
    redis_url = settings.REDIS_URL
    if redis_url:
        # A real Redis cache in a database of its own (one per xdist worker), emptied per test so rate
        # limits do not leak, from test to test or from one worker to another.
        values["CACHES"] = {
            "default": {
                **settings.CACHES["default"],  # the production backend, with its fallback and timeouts
                "LOCATION": redis_url.rsplit("/", 1)[0] + f"/{cache_redis_database(redis_url)}",
                "KEY_PREFIX": "portal-tests",
            }
        }
    return values


def reset_caches_and_breakers() -> None:
    """Each test starts with Redis presumed up, nothing counted in the fallback and an empty cache."""
    from django.core.cache import cache

    from portal.cache import breaker as cache_breaker
    from portal.cache import fallback_cache
    from portal.notifications.services import broker as broker_breaker

    cache_breaker.reset()
    broker_breaker.reset()
    fallback_cache().clear()
    cache.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings, request):
    for name, value in settings_for_tests(settings).items():
        setattr(settings, name, value)
    reset_caches_and_breakers()
    # Outside the integration tests (which run a real worker against a real broker), queued tasks
    # run inline so nothing is left behind in a shared Redis.
    from portal.celery import app

    eager = not request.node.get_closest_marker("integration")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


def make_partnership():
    return PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")


def make_other_partnership():
    return PartnershipFactory(name="Ealing Learning Partnership", slug="ealing")


def make_headteacher(partnership):
    """The headteacher of Histon and Impington Junior School (URN 139087) in Cambridgeshire (873)."""
    from alliances.models import LocalAuthority, School

    membership = make_member(partnership, Role.HEADTEACHER)
    cambridgeshire, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    school, _ = School.objects.get_or_create(urn="139087", defaults={"name": "Histon and Impington Junior School",
                                                                     "la": cambridgeshire})
    membership.schools.add(school)
    return membership


def make_la_officer(partnership):
    """An LA officer for Cambridgeshire (DfE LA code 873)."""
    from alliances.models import LocalAuthority

    membership = make_member(partnership, Role.LA_OFFICER)
    cambridgeshire, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    membership.local_authorities.add(cambridgeshire)
    return membership


def make_personas(partnership) -> dict:
    """One member of `partnership` in each role, made in the order the `personas` fixture makes them."""
    return {
        Role.HEADTEACHER: make_headteacher(partnership),
        Role.SYSTEM_LEADER: make_member(partnership, Role.SYSTEM_LEADER),
        Role.BROKER: make_member(partnership, Role.BROKER),
        Role.APPROVER: make_member(partnership, Role.APPROVER),
        Role.LA_OFFICER: make_la_officer(partnership),
        Role.ADMIN: make_member(partnership, Role.ADMIN),
        Role.CANDIDATE: make_member(partnership, Role.CANDIDATE),
        Role.PARTICIPANT: make_member(partnership, Role.PARTICIPANT),
    }


@pytest.fixture
def partnership(db):
    return make_partnership()


@pytest.fixture
def other_partnership(db):
    return make_other_partnership()


@pytest.fixture
def headteacher(partnership):
    """The headteacher of Histon and Impington Junior School (URN 139087) in Cambridgeshire (873)."""
    return make_headteacher(partnership)


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
    return make_la_officer(partnership)


@pytest.fixture
def admin(partnership):
    return make_member(partnership, Role.ADMIN)


@pytest.fixture
def candidate(partnership):
    """Someone invited to apply to a recruitment round: sees published rounds and their own applications only."""
    return make_member(partnership, Role.CANDIDATE)


@pytest.fixture
def participant(partnership):
    """A member of a school's staff with a place on a programme: sees only their own places (issue 14)."""
    return make_member(partnership, Role.PARTICIPANT)


@pytest.fixture
def outsider(other_partnership):
    """An admin of the other partnership only: sees nothing of the first."""
    return make_member(other_partnership, Role.ADMIN)


@pytest.fixture
def other_admin(other_partnership):
    return make_member(other_partnership, Role.ADMIN)


@pytest.fixture
def personas(headteacher, system_leader, broker, approver, la_officer, admin, candidate, participant):
    return {
        Role.HEADTEACHER: headteacher,
        Role.SYSTEM_LEADER: system_leader,
        Role.BROKER: broker,
        Role.APPROVER: approver,
        Role.LA_OFFICER: la_officer,
        Role.ADMIN: admin,
        Role.CANDIDATE: candidate,
        Role.PARTICIPANT: participant,
    }


@pytest.fixture
def as_member(client):
    def sign_in(membership):
        client.force_login(membership.user)
        return client

    return sign_in
