"""Test data built once for the tests of a module, as Django's TestCase.setUpTestData does.

`shared_test_data` opens a transaction, builds the data in it (with the settings, the cache and the inline
tasks every test has, across partnerships as fixtures are) and keeps it open while the module's tests run:
each test's own transaction (pytest-django's `db`) is then a savepoint inside it, rolled back at the end of
the test, so every test starts from the same rows, whatever the tests before it wrote. At the end of the
module the whole transaction is rolled back and the database is as empty as before.

The objects handed to a test are a deep copy of those built (`fresh_copy`), as TestCase's class-level data
is: a test that changes an object in memory changes nothing the next test sees.

Use it only in modules whose tests are all non-transactional (no `transactional_db`, `live_server` or
`django_db(transaction=True)`): a transactional test cannot run inside the shared transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import override_settings

from portal.tenancy.rls import cross_partnership
from tests.conftest import reset_caches_and_breakers, settings_for_tests

T = TypeVar("T")


@contextmanager
def _as_in_a_test() -> Iterator[None]:
    """The settings, empty cache and inline tasks of `_test_settings`, across partnerships."""
    from portal.celery import app

    with override_settings(**settings_for_tests(settings)):
        reset_caches_and_breakers()
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            with cross_partnership("test data shared by a module's tests", quiet=True):
                yield
        finally:
            app.conf.task_always_eager = previous


def shared_test_data(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For a module- or class-scoped generator fixture: `yield from shared_test_data(django_db_blocker, build)`.

    Database access is unblocked only while the data is built and rolled back, so a test that does not ask for
    the database still cannot reach it."""
    connection = connections[DEFAULT_DB_ALIAS]
    with django_db_blocker.unblock():
        atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
        atomic._from_testcase = True  # as TestCase's own: a durable block inside it is still allowed
        atomic.__enter__()
        try:
            with _as_in_a_test():
                data = build()
        except BaseException:
            transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
            atomic.__exit__(None, None, None)
            assert not connection.in_atomic_block, "a test left a transaction open inside the shared data's"


def fresh_copy(data: T) -> T:
    """The shared objects for one test: copied, so that what a test changes in memory stays in that test."""
    return copy.deepcopy(data)
