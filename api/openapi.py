"""The API's OpenAPI document as committed in docs/openapi.json: generated from the endpoints' typed schemas."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from api.endpoints import api

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def generated() -> str:
    """The document, as text with sorted keys and a final newline, so a diff shows only real changes."""
    return json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
