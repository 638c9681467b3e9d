"""What a request's page lists of it (its needs, its deployments, its offers), read in the statement that reads
the request itself on PostgreSQL (`deployments.json_rows`), each then a query fewer. `selectors` reads each by
a query when it was not read this way (SQLite)."""

from __future__ import annotations

from alliances.models import Specialism, SystemLeader
from deployments.json_rows import column, in_statement, instance, owned_by, pairs, rows
from deployments.models import Deployment, Offer, RequestNeed, SupportRequest

# What the page reads of a system leader: their name (and whether they are the member looking).
LEADER_COLUMNS = ("partnership", "name", "user")
_LEADER = f"JOIN \"{SystemLeader._meta.db_table}\" l ON l.\"id\" = {{}}.\"leader_id\""


def _own(alias: str) -> str:
    return owned_by(alias, SupportRequest._meta.db_table, "request_id")


def _with_leader(model, alias: str) -> str:
    return f"jsonb_build_object({pairs(model, alias)}, 'leader', jsonb_build_object({pairs(SystemLeader, 'l', LEADER_COLUMNS)}))"


_SQL = {
    "needs": rows(row="jsonb_build_object('id', s.\"id\", 'name', s.\"name\")",
                  source=f"\"{RequestNeed._meta.db_table}\" n JOIN \"{Specialism._meta.db_table}\" s "
                         "ON s.\"id\" = n.\"specialism_id\"",
                  where=_own("n"), order='s."group", s."name"'),
    "deployments": rows(row=_with_leader(Deployment, "d"),
                        source=f"\"{Deployment._meta.db_table}\" d {_LEADER.format('d')}",
                        where=_own("d"), order='d."proposed_at" DESC, d."id" DESC'),
    "offers": rows(row=_with_leader(Offer, "f"), source=f"\"{Offer._meta.db_table}\" f {_LEADER.format('f')}",
                   where=_own("f"), order='f."created_at" DESC, f."id" DESC'),
}


def with_rows(requests, kinds: tuple[str, ...]):
    """`requests` with a JSON column for each of `kinds` ("needs", "deployments", "offers") on PostgreSQL."""
    if not in_statement():
        return requests
    return requests.annotate(**{f"json_{kind}": column(_SQL[kind]) for kind in kinds})


def needs(request: SupportRequest) -> list[Specialism]:
    """The areas of its needs, by group then name, with their key and name."""
    return [instance(Specialism, need) for need in request.json_needs]


def _led(model, values: dict):
    row = instance(model, values)
    row.leader = instance(SystemLeader, values["leader"])
    return row


def deployments(request: SupportRequest) -> list[Deployment]:
    """Its deployments, newest first, each with its system leader's name."""
    return [_led(Deployment, values) for values in request.json_deployments]


def offers(request: SupportRequest) -> list[Offer]:
    """Its offers, newest first, each with its system leader's name."""
    return [_led(Offer, values) for values in request.json_offers]
