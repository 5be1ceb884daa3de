"""Factory fixtures for protocol tests: a minimal valid protocol document and a file writer.

The minimal document is synthetic on purpose: rule tests must not change meaning when a real
platform file is corrected, so they build exactly the protocol they need from this one template.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from threadline.broker.protocols import RequestType

DocFactory = Callable[..., dict[str, Any]]
ProtocolWriter = Callable[..., Path]

_UNKNOWN = {"unknown": True, "note": "not published"}


def _request_type(name: RequestType) -> dict[str, Any]:
    levels: dict[str, Any] = {"acknowledgement_hours": dict(_UNKNOWN)}
    if name is RequestType.PRESERVATION:
        levels |= {"preservation_days": 90, "preservation_extension_days": 90, "max_extensions": 1}
    return {
        "available": True,
        "accepted_identifiers": ["username", "user_id"],
        "legal_bases": ["ipa2016_part3_authorisation"],
        "mandatory_fields": ["account_identifier"],
        "min_approval_rank": "inspector",
        "spoc_consultation_required": False,
        "max_date_range_days": None,
        "submission_channel": {"kind": "portal", "url": "https://le.example.invalid/requests"},
        "service_levels": levels,
        "sources": ["guide"],
    }


_TEMPLATE: dict[str, Any] = {
    "protocol_id": "example-gb",
    "platform": "example",
    "services": ["Example"],
    "version": "1.0.0",
    "jurisdiction": "GB",
    "agreement": "uk_us_data_access_agreement",
    "provider_entity": {"value": "Example Inc.", "source": "guide"},
    "effective_from": "2026-01-01",
    "reviewed_on": "2026-01-01",
    "sources": [
        {
            "id": "guide",
            "title": "Example law-enforcement guide",
            "url": "https://le.example.invalid/guide",
            "retrieved": "2026-01-01",
            "via": "synthetic test fixture",
        }
    ],
    "user_notification": {"policy": "notify_before_disclosure", "exceptions": ["emergencies"]},
    "record_retention_days": 1826,
    "request_types": {name.value: _request_type(name) for name in RequestType},
}


@pytest.fixture
def protocol_doc() -> DocFactory:
    """``make(**top_level_overrides)``: a fresh, schema-valid protocol document."""

    def make(**overrides: Any) -> dict[str, Any]:
        return copy.deepcopy(_TEMPLATE) | overrides

    return make


@pytest.fixture
def write_protocol(tmp_path: Path) -> ProtocolWriter:
    """``write(doc_or_text, name="example.yaml")``: put a protocol file in a scratch directory."""
    directory = tmp_path / "protocols"
    directory.mkdir()

    def write(content: dict[str, Any] | str, name: str = "example.yaml") -> Path:
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path = directory / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
