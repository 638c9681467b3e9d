"""Two connections writing at once, in the order a race needs: the first writes and holds its transaction open
while the second writes, then both commit. For the triggers that keep counts (the second writer's trigger must wait
for the first's row, or its count lands nowhere)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection, transaction

from portal.tenancy.rls import cross_partnership


def write_while_held(first: Callable[[], object], second: Callable[[], object], *, hold_s: float = 1.5) -> None:
    """`first` in one connection's transaction, held open `hold_s` after it wrote; `second` in another connection,
    started once `first` has written. Raises the first error either thread met."""
    written, errors = threading.Event(), []

    def run(work: Callable[[], object], *, holds: bool) -> None:
        try:
            if not holds:
                written.wait(timeout=10)
            with cross_partnership("test: two connections at once", quiet=True), transaction.atomic():
                work()
                if holds:
                    written.set()
                    threading.Event().wait(hold_s)  # the other connection writes meanwhile
        except Exception as error:  # pragma: no cover - raised below
            errors.append(error)
        finally:
            written.set()
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(first,), kwargs={"holds": True}),
               threading.Thread(target=run, args=(second,), kwargs={"holds": False})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
