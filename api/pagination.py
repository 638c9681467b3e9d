"""Cursor pagination: a page of rows in primary-key order and an opaque cursor for the next page.

The cursor encodes the last row's key, so pages stay stable while rows are added (no skipped or repeated rows, as
offsets would give) and a client cannot jump to arbitrary rows. Clients pass it back as it is.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja.errors import HttpError

MAX_LIMIT = 200
CURSOR_VERSION = "c1"


def encode_cursor(last_key: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_VERSION}:{last_key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, key = text.partition(":")
        if version != CURSOR_VERSION:
            raise ValueError(version)
        return int(key)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, "The cursor is not one this API gave: start again without it.") from None


def cursor_page(queryset: QuerySet, *, cursor: str | None, limit: int, serialise: Callable[[Any], Any],
                prepare: Callable[[list], None] | None = None) -> dict:
    """Up to `limit` rows after `cursor`, in `pk` order, and the cursor of the next page (None on the last).
    `prepare(rows)` may load what the page's rows need in one query before each is serialised."""
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    queryset = queryset.order_by("pk")
    if cursor:
        queryset = queryset.filter(pk__gt=decode_cursor(cursor))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if prepare is not None:
        prepare(rows)
    return {"results": [serialise(row) for row in rows],
            "next_cursor": encode_cursor(rows[-1].pk) if more else None}
