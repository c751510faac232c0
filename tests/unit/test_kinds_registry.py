"""The registry of expectation kinds: built-ins, additions, refusals, the schema they join."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from vftest.errors import ConfigError
from vftest.kinds import BUILT_IN, Kind, kind_named, register, unregister
from vftest.suite import suite_schema


class Stars(Kind):
    name = "stars"
    trace_type = "text"
    schema: ClassVar[dict[str, Any]] = {"type": "integer", "minimum": 1, "maximum": 5}


@pytest.fixture
def stars() -> Iterator[Stars]:
    kind = Stars()
    register(kind)
    yield kind
    unregister("stars")


def test_every_built_in_kind_is_in_the_shipped_schema() -> None:
    properties = suite_schema()["$defs"]["expectation"]["properties"]
    assert {kind.name for kind in BUILT_IN} | {"payload"} == set(properties)


def test_an_added_kind_joins_the_schema_and_leaves_with_it(stars: Stars) -> None:
    expectation = suite_schema()["$defs"]["expectation"]
    assert expectation["properties"]["stars"]["maximum"] == 5
    assert {"required": ["stars"]} in expectation["oneOf"]
    assert kind_named("stars") is stars
    unregister("stars")
    assert "stars" not in suite_schema()["$defs"]["expectation"]["properties"]
    register(stars)  # for the fixture's teardown


@pytest.mark.parametrize(
    ("name", "schema", "problem"),
    [
        ("text", {"type": "string"}, "already exists"),
        ("payload", {"type": "string"}, "already exists"),
        ("two words", {"type": "string"}, "must be an identifier"),
        ("nothing_to_check", {}, "give it a JSON Schema"),
    ],
)
def test_a_kind_that_cannot_be_added_says_why(
    name: str, schema: dict[str, Any], problem: str
) -> None:
    kind = Kind()
    kind.name = name
    kind.schema = schema
    with pytest.raises(ConfigError, match=problem):
        register(kind)
