"""Factory fixtures for contract tests: records, codecs and a scratch copy of ``schemas/``.

Records come from :mod:`threadline.contracts.examples`, which other teams' tests use too, so
one schema change is reflected in one place.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from threadline.contracts import Codec, EventType, SchemaRegistry, default_registry, examples
from threadline.contracts.schemas import find_schemas_dir

EventFactory = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    return default_registry()


@pytest.fixture(scope="session")
def codec(registry: SchemaRegistry) -> Codec:
    return Codec(registry)


@pytest.fixture(params=list(EventType), ids=lambda event_type: event_type.value)
def event_type(request: pytest.FixtureRequest) -> EventType:
    """Each of the five event types in turn."""
    value: EventType = request.param
    return value


@pytest.fixture
def event_factory() -> EventFactory:
    """``make(event_type, full=True, **overrides)``: a valid record, fresh on every call."""

    def make(event_type: EventType | str, *, full: bool = True, **overrides: Any) -> dict[str, Any]:
        build = examples.full_event if full else examples.minimal_event
        return build(event_type, **overrides)

    return make


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    """A scratch copy of ``schemas/`` (releases included) that a test may edit freely."""
    target = tmp_path / "schemas"
    shutil.copytree(find_schemas_dir(), target)
    return target
