"""Sections a feature app adds to another app's page, so the lower app never imports the higher one.

Pages with sections: "home" (each role's home page; providers take the membership and `since`, when the
member last opened it before this session, or None; accept and ignore what they do not use) and "leader" (a
system leader's page in the directory; providers take the membership and the leader). An app registers
its providers in `AppConfig.ready()`; the page merges what each returns into its template context.

A list that is often empty is better given as `IfAny` (`listed`, `queued`): the page asks every provider's
"is there any row?" in one statement, then reads only the lists that have rows, instead of one statement per
list whatever it holds. The page's queries are then fixed for the same lists having rows (not for the data's
size): one for the question, one per list that has rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from portal.queues import first_and_total, have_rows

Provider = Callable[..., dict]
_providers: dict[str, list[Provider]] = defaultdict(list)


@dataclass(frozen=True)
class IfAny:
    """Part of a section read only if `rows` has a row: then `read()` gives its context, else `empty` does."""

    rows: QuerySet
    read: Callable[[], dict]
    empty: dict


def listed(name: str, rows: QuerySet, shown: int | None) -> dict:
    """The section {name: `rows`' first `shown` (None: all)}, read only if there is any."""
    return {f"if-any:{name}": IfAny(rows, lambda: {name: list(rows[:shown])}, {name: []})}


def queued(name: str, rows: QuerySet, shown: int, count: str) -> dict:
    """The section {name: `rows`' first `shown`, count: how many} (`first_and_total`), read only if there is any."""
    return {f"if-any:{name}": IfAny(rows, lambda: dict(zip((name, count), first_and_total(rows, shown), strict=True)),
                                    {name: [], count: 0})}


def register_section(page: str, provider: Provider) -> None:
    if provider not in _providers[page]:
        _providers[page].append(provider)


def sections_for(page: str, **context) -> dict:
    merged: dict = {}
    for provider in _providers[page]:
        merged.update(provider(**context))
    parts = {key: part for key, part in merged.items() if isinstance(part, IfAny)}
    for (key, part), any_rows in zip(parts.items(), have_rows([part.rows for part in parts.values()]), strict=True):
        del merged[key]
        merged.update(part.read() if any_rows else part.empty)
    return merged
