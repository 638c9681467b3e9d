"""The portal's PostgreSQL sessions start with JIT compilation off (portal/tenancy/postgresql/base.py), unless the
settings keep it (DATABASE_JIT=true): compiling cost more than it saved on the portal's statements."""

from __future__ import annotations

import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.django_db]


def test_sessions_start_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_settings_may_keep_jit_and_other_options():
    backend = type(connections["default"])
    params = dict(connection.settings_dict, JIT=False, OPTIONS={"options": "-c statement_timeout=5000"})
    off = backend(params).get_connection_params()
    assert off["options"] == "-c statement_timeout=5000 -c jit=off"
    kept = backend(dict(connection.settings_dict, JIT=True, OPTIONS={})).get_connection_params()
    assert "options" not in kept
