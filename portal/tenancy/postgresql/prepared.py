"""Server-side prepared statements for the SELECTs a connection repeats: planned once, not on every request.

On these machines PostgreSQL spends 0.5–1.6 ms *planning* a page's typical statement (four to six joined
tables, each with many indexes) and 0.05–0.2 ms running it, so a page of fifteen small reads spent most of
its database time in the planner. psycopg2 sends every statement as text, to be parsed and planned each time.
This cursor turns a SELECT it has seen before on the same connection into `EXECUTE` of a statement it prepares
once (`PREPARE name (types) AS ...`). PostgreSQL then plans it for its parameters for the first five runs and
afterwards keeps one generic plan if that costs no more (`plan_cache_mode` auto): the same rows, less planning.

What keeps it safe:
* Only plain SELECTs with positional parameters of simple types are prepared, and none that match a pattern
  (`LIKE`): which index a search can use (trigram, prefix) depends on its pattern, which a generic plan cannot
  know. Each parameter is declared with
  the type its literal would have had in the text psycopg2 sends (an integer literal is int4, a date
  `'…'::date`, a string an unknown-typed literal, typed from its context in both), so the statement means what
  the unprepared one meant; statements with None, lists or other parameters run as before.
* A statement whose prepared runs, once PostgreSQL may use a generic plan, take over twice as long as its first
  run as text goes back to being sent as text on that connection (a generic plan is costed on averages and can
  be worse for the values at hand: a home page's one statement of `EXISTS` questions went from 2 to 16 ms).
* A statement is prepared in its own round trip the second time its text is seen, inside a savepoint when a
  transaction is open. If PostgreSQL refuses it (say, a parameter whose type no context gives), the savepoint
  is rolled back, the text is never tried again and the statement runs unprepared: nothing the caller sees.
* Prepared statements belong to the session, not to a transaction (a rollback keeps them), and PostgreSQL
  plans a cached statement again when a table it reads changes or the role (so row-level security) differs.
  The row-level-security settings are read when the statement runs (`rls.POLICY_EXPRESSION`'s InitPlans),
  never frozen into a plan.
* Each connection keeps at most `LIMIT` statements; past that it drops them all (`DEALLOCATE ALL`) and starts again.
  Of those, at most `WRITTEN_IN_LIMIT` without parameters (a kept statement with its values written in,
  `portal.kept.inlined`: one per member and day, where a statement with parameters serves everyone), the least
  recently run dropped first (`DEALLOCATE name`): a plan takes about 0.2 MB of the session's memory, and sixty
  brokers' homes would otherwise hold 400 of them.
* Django's query log shows the statement as written, with its parameters, not the `EXECUTE`.
"""

from __future__ import annotations

import datetime
import itertools
import math
import re
import time
import uuid
from collections import OrderedDict
from decimal import Decimal

from psycopg2 import extensions

from portal.tenancy.rls import SET_SQL

LIMIT = 500  # prepared statements per connection
WRITTEN_IN_LIMIT = 64  # of which without parameters (values written in): each member's own
SEEN_LIMIT = 2000  # statement texts remembered once seen, to prepare on their second run
PLACEHOLDER = re.compile(r"%(.)")
NAMES = itertools.count(1)  # unique in the process, so no name is ever reused on a session
WATCHED_RUNS = 9  # prepared runs compared with the text run: PostgreSQL's five custom plans, then generic ones
INT4 = range(-(2**31), 2**31)
INT8 = range(-(2**63), 2**63)


def parameter_type(value) -> str | None:
    """The type PostgreSQL gives `value` as psycopg2 writes it into a statement's text; None: do not prepare."""
    kind = type(value)
    if kind is bool:
        return "boolean"
    if kind is int:
        return "int4" if value in INT4 else "int8" if value in INT8 else "numeric"
    if isinstance(value, str):  # a choice (TextChoices) too: psycopg2 writes any str as a quoted literal
        return "unknown"  # typed by its context, as a parameter declared unknown is
    if kind is Decimal:
        return "numeric"
    if kind is float:
        return "numeric" if math.isfinite(value) else None  # psycopg2 writes repr(): a numeric literal
    if kind is datetime.datetime:
        return "timestamptz" if value.tzinfo is not None else "timestamp"
    if kind is datetime.date:
        return "date"
    if kind is datetime.time:
        return "time" if value.tzinfo is None else None
    if kind is datetime.timedelta:
        return "interval"
    if kind is uuid.UUID:
        return "uuid"
    return None


def numbered(sql: str, count: int) -> str | None:
    """`sql` with psycopg2's `%s` placeholders as `$1`, `$2`, … and `%%` as `%`; None if it has other ones."""
    numbers = iter(range(1, count + 1))
    failed = []

    def replace(match: re.Match) -> str:
        if match.group(1) == "%":
            return "%"
        if match.group(1) == "s":
            number = next(numbers, None)
            if number is not None:
                return f"${number}"
        failed.append(match.group(0))
        return ""

    text = PLACEHOLDER.sub(replace, sql)
    if failed or next(numbers, None) is not None:
        return None
    return text


class Statements:
    """One connection's prepared statements, {(text, parameter types): name}, and the texts seen once."""

    def __init__(self):
        self.prepared: dict[tuple, str] = {}
        self.written_in: OrderedDict[tuple, str] = OrderedDict()  # prepared without parameters, least recently run first
        self.seen: OrderedDict[tuple, float] = OrderedDict()  # texts run once: how long that run took (s)
        self.refused: set[str] = set()
        self.watch: dict[tuple, tuple[float, list[float]]] = {}  # prepared: (the text run's time, runs since)

    def name_for(self, key: tuple) -> tuple[str | None, bool]:
        """(the statement's name, whether it must be prepared first), or (None, False) to run it as text."""
        name = self.prepared.get(key)
        if name is not None:
            if key in self.written_in:
                self.written_in.move_to_end(key)
            return name, False
        if key[0] in self.refused:
            return None, False
        if key not in self.seen:
            return None, False
        return f"portal_{next(NAMES)}", True

    def ran_as_text(self, key: tuple, seconds: float) -> None:
        if key not in self.seen:
            self.seen[key] = seconds
            if len(self.seen) > SEEN_LIMIT:
                self.seen.popitem(last=False)

    def added(self, key: tuple, name: str) -> None:
        self.prepared[key] = name
        self.watch[key] = (self.seen.pop(key, 0.0), [])
        if not key[1]:
            self.written_in[key] = name

    def room_for(self, key: tuple) -> str | None:
        """Before preparing `key`: the name of the statement without parameters to drop first, when `key` has none
        either and `WRITTEN_IN_LIMIT` of them are prepared (forgotten here whether or not the drop then succeeds)."""
        if key[1] or len(self.written_in) < WRITTEN_IN_LIMIT:
            return None
        oldest, name = self.written_in.popitem(last=False)
        self.prepared.pop(oldest, None)
        self.watch.pop(oldest, None)
        return name

    def ran_prepared(self, key: tuple, seconds: float) -> None:
        """Past PostgreSQL's five custom plans it may keep a generic plan that is worse for these values (a plan
        for any parameters, costed on averages): a statement whose prepared runs there take over twice its text
        run (and a millisecond more) goes back to being sent as text on this connection."""
        text_seconds, runs = self.watch.get(key, (0.0, None))
        if runs is None:
            return
        runs.append(seconds)
        if len(runs) < WATCHED_RUNS:
            return
        del self.watch[key]
        if sorted(runs[-3:])[1] > 2 * text_seconds + 0.001:
            self.prepared.pop(key, None)
            self.written_in.pop(key, None)
            self.refuse(key[0])

    def refuse(self, text: str) -> None:
        if len(self.refused) >= SEEN_LIMIT:
            self.refused.clear()
        self.refused.add(text)

    def full(self) -> bool:
        """Whether the session holds `LIMIT` statements: the next PREPARE drops them all first (`DEALLOCATE ALL`,
        which cannot fail, unlike dropping one that a lost session no longer has)."""
        if len(self.prepared) < LIMIT:
            return False
        self.prepared.clear()
        self.written_in.clear()
        self.watch.clear()
        return True

    def forget(self) -> None:
        """A new session: nothing is prepared in it."""
        self.prepared.clear()
        self.written_in.clear()
        self.watch.clear()


class PreparingCursor(extensions.cursor):
    """psycopg2's cursor, running a SELECT it has seen on this connection before as a prepared statement."""

    statements: Statements | None = None
    shown: tuple[str, str, object] | None = None  # (settings prefix, the statement, its parameters), for the log

    def execute(self, query, vars=None):
        self.shown = None
        statements = self.statements
        if statements is None or vars is None or not isinstance(query, str) or not isinstance(vars, (list, tuple)):
            return super().execute(query, vars)
        head, body = split_settings(query)
        if not body.lstrip(" \n\t(")[:7].upper().startswith("SELECT") or " LIKE " in body:
            return super().execute(query, vars)
        types = tuple(parameter_type(value) for value in vars)
        if None in types:
            return super().execute(query, vars)
        key = (body, types)
        name, new = statements.name_for(key)
        if name is None or (new and not self._prepare(statements, key, name)):
            started = time.perf_counter()
            result = super().execute(query, vars)
            statements.ran_as_text(key, time.perf_counter() - started)
            return result
        arguments = f" ({self.mogrify(', '.join(['%s'] * len(vars)), vars).decode()})" if vars else ""
        settings = head.replace("%%", "%") + "; " if head else ""
        self.shown = (head, body, vars)
        started = time.perf_counter()
        result = super().execute(f"{settings}EXECUTE {name}{arguments}")
        statements.ran_prepared(key, time.perf_counter() - started)
        return result

    def _prepare(self, statements: Statements, key: tuple, name: str) -> bool:
        body, types = key
        text = numbered(body, len(types))
        if text is None:
            statements.refuse(body)
            return False
        declared = f" ({', '.join(types)})" if types else ""
        dropped = statements.room_for(key)
        drop = "DEALLOCATE ALL; " if statements.full() else f"DEALLOCATE {dropped}; " if dropped else ""
        prepare = f"{drop}PREPARE {name}{declared} AS {text}"
        # In a transaction block (or about to open one: psycopg2 sends BEGIN first when autocommit is off) a
        # refused PREPARE must not abort it.
        guarded = not self.connection.autocommit or (
            self.connection.info.transaction_status != extensions.TRANSACTION_STATUS_IDLE)
        try:
            if guarded:
                super().execute(f"SAVEPOINT portal_prepare; {prepare}; RELEASE SAVEPOINT portal_prepare")
            else:
                super().execute(prepare)
        except Exception:
            if guarded:
                super().execute("ROLLBACK TO SAVEPOINT portal_prepare; RELEASE SAVEPOINT portal_prepare")
            statements.refuse(body)
            return False
        statements.added(key, name)
        return True


SETTINGS_START = SET_SQL.split("%s", 1)[0]  # how `rls.apply_settings` starts what it sends in front


def split_settings(query: str) -> tuple[str, str]:
    """(the row-level-security settings sent in front of the statement, or "", the statement)."""
    if query.startswith(SETTINGS_START):
        head, _, body = query.partition("; ")
        return head, body
    return "", query
