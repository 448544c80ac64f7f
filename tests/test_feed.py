"""The published JSON Schema of plan.json is the one the models generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from staffplan.feed import PlanDocument, config_digest, json_schema

SCHEMA = Path(__file__).parents[1] / "schemas" / "plan.schema.json"


def test_published_schema_is_current():
    """Regenerate with `.venv/bin/python -m staffplan.feed > schemas/plan.schema.json`."""
    assert json.loads(SCHEMA.read_text()) == json.loads(json.dumps(json_schema()))


def test_schema_names_the_contract_fields():
    schema = json_schema()
    for name in ("schema_version", "plan_id", "queues", "intervals", "roster", "recommendations"):
        assert name in schema["required"] or name in schema["properties"]


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError, match="extra"):
        PlanDocument.model_validate({"plan_id": "x", "surprise": 1})


def test_config_digest_is_stable_and_order_free():
    assert config_digest({"a": 1, "b": [1, 2]}) == config_digest({"b": [1, 2], "a": 1})
    assert config_digest({"a": 1}) != config_digest({"a": 2})
