"""Print the API's OpenAPI document: ``python -m staffplan.api > schemas/openapi.json``."""

from __future__ import annotations

import json
import tempfile

from staffplan.api import create_app
from staffplan.store import PlanStore


def openapi_document() -> dict:
    """The OpenAPI document of the application (independent of store, token and limits).

    Returns
    -------
    dict
    """
    with tempfile.TemporaryDirectory() as root, PlanStore(root) as store:
        return create_app(store, token=None).openapi()


if __name__ == "__main__":
    print(json.dumps(openapi_document(), indent=2, sort_keys=True))
