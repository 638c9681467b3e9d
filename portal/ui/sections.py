"""Sections a feature app adds to another app's page, so the lower app never imports the higher one.

Pages with sections: "home" (each role's home page; providers take the membership and `since`, when the
member last opened it before this session, or None; accept and ignore what they do not use) and "leader" (a
system leader's page in the directory; providers take the membership and the leader). An app registers
its providers in `AppConfig.ready()`; the page merges what each returns into its template context.

A list is best given as a `Part` (`listed`, `queued`, `shown`, `counted`), built by a function rather than as a
queryset: the page then builds and compiles each list's statement once for the member, the day and `since`
(`portal.kept`) and afterwards only runs it. A list that is often empty (`listed`, `queued`) is read only if it
has rows: the page asks every such list's "is there any row?" in one statement, then reads only the lists that
have rows. The page's queries are then fixed for the same lists having rows (not for the data's size): one for
the question, one per list read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from portal import kept
from portal.queues import answers, question, total_of, with_total

Provider = Callable[..., dict]
_providers: dict[str, list[Provider]] = defaultdict(list)
Rows = QuerySet | Callable[[], QuerySet]


@dataclass(frozen=True)
class Part:
    """A list of a section: `statement()`'s rows, given to the page as `shape(rows)`; if `asked` is given (the
    list's rows, unsliced), only when it has a row (else `empty`)."""

    statement: Callable[[], QuerySet]
    shape: Callable[[list], dict]
    asked: Rows | None = None
    empty: dict | None = None
    keep: bool = True  # False for a statement built from rows read while building it (never kept: `portal.kept`)


def _built(rows: Rows) -> QuerySet:
    return rows() if callable(rows) else rows


def listed(name: str, rows: Rows, shown: int | None) -> dict:
    """The section {name: the first `shown` of `rows` (None: all)}, read only if there is any."""
    return {f"part:{name}": Part(lambda: _built(rows)[:shown], lambda found: {name: found}, rows, {name: []})}


def queued(name: str, rows: Rows, shown: int, count: str) -> dict:
    """The section {name: the first `shown` of `rows`, count: how many} (one statement), read only if there is any."""
    return {f"part:{name}": Part(lambda: with_total(_built(rows), shown),
                                 lambda found: {name: found, count: total_of(found)}, rows, {name: [], count: 0})}


def always(name: str, rows: Rows, shown: int | None) -> dict:
    """The section {name: the first `shown` of `rows`}, always read (a list that usually has rows)."""
    return {f"part:{name}": Part(lambda: _built(rows)[:shown], lambda found: {name: found})}


def always_counted(name: str, rows: Rows, shown: int, count: str) -> dict:
    """The section {name: the first `shown` of `rows`, count: how many}, always read, in one statement."""
    return {f"part:{name}": Part(lambda: with_total(_built(rows), shown),
                                 lambda found: {name: found, count: total_of(found)})}


def register_section(page: str, provider: Provider) -> None:
    if provider not in _providers[page]:
        _providers[page].append(provider)


def _member_key(context: dict) -> tuple | None:
    """What a page's sections depend on, when it is only the member, dates and plain values (else None: the
    statements are then built on every request). A membership is named by what its visibility rules read."""
    key = []
    for name, value in sorted(context.items()):
        if hasattr(value, "role") and hasattr(value, "partnership_id") and hasattr(value, "user_id"):
            value = ("membership", value.pk, value.partnership_id, value.user_id, value.role, value.is_active)
        elif not (value is None or isinstance(value, str | int | date)):
            return None
        key.append((name, value))
    return (*key, ("today", timezone.localdate()))


def sections_for(page: str, **context) -> dict:
    merged: dict = {}
    for provider in _providers[page]:
        merged.update(provider(**context))
    parts = {key: merged.pop(key) for key in [key for key, part in merged.items() if isinstance(part, Part)]}
    asked = [key for key, part in parts.items() if part.asked is not None]
    # Kept only when the statements depend on nothing but the member, the day and plain values.
    member = _member_key(context)

    def build() -> tuple:
        return question([_built(parts[key].asked) for key in asked])

    def build_kept() -> tuple:  # its values written in, as a kept statement's are (`portal.kept.inlined`)
        sql, params, pattern = build()
        return (*kept.inlined(sql, params), pattern)

    having = answers(build() if member is None else kept.made((page, "asked", *asked, *member), build_kept)) if (
        asked) else []
    has_rows = dict(zip(asked, having, strict=True))
    for key, part in parts.items():
        if not has_rows.get(key, True):
            merged.update(part.empty)
        elif member is None or not part.keep:
            merged.update(part.shape(list(part.statement())))
        else:
            merged.update(part.shape(kept.rows((page, key, *member), part.statement)))
    return merged
