"""A token seen as a reader of the reporting selectors, which take a membership: the dashboards' filters ask the
viewer its partnership, whether it sees every area, and its local authorities."""

from __future__ import annotations

from alliances.models import LocalAuthority
from api.models import ApiToken


class _Areas:
    def __init__(self, codes: list[str]):
        self.codes = codes

    def all(self):
        return LocalAuthority.objects.filter(code__in=self.codes)


class TokenViewer:
    """What DashboardFilterForm needs of a membership, for a token: limited to its LAs when it has any."""

    def __init__(self, token: ApiToken):
        self.partnership = token.partnership
        self.local_authorities = _Areas(token.la_codes)
        self._limited = bool(token.la_codes)

    def can(self, capability: str) -> bool:
        if capability == "directory.all_areas":
            return not self._limited
        return capability == "dashboards.view"
