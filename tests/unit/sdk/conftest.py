"""SDK fixtures: a development keys directory and a report in the agency-input format."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from threadline.crypto import Keystore, init_dev_keys
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink

AGENCY = "met-police"

REPORT: dict[str, Any] = {
    "event_type": "concern_raised",
    "report_id": "MPS-2026-000123",
    "occurred_at": "2026-11-20T18:30:00Z",
    "grading": {"source": 2, "intelligence": "B", "handling": "P"},
    "tlp": "amber",
    "subject": {
        "given_name": "Aisha",
        "family_name": "Khan",
        "other_names": ["Ash"],
        "date_of_birth": "2011-04-03",
        "postcode": "E1 6AN",
        "address": "12 Example Street, London",
        "phones": ["07700 900123"],
        "emails": ["aisha@example.com"],
        "handles": [{"platform": "snapchat", "handle": "ash_k11"}],
    },
    "associates": [
        {
            "role": "suspect",
            "given_name": "Dean",
            "family_name": "Smith",
            "phones": ["+44 7700 900456"],
            "handles": [{"platform": "instagram", "handle": "d.smith"}],
        },
    ],
    "concern": {
        "exploitation_types": ["cse", "online_grooming"],
        "stage": "trust_deception",
        "indicators": ["going_missing", "older_associates"],
        "platforms": [{"platform": "snapchat", "role": "first_contact"}],
        "risk_level": "high",
        "referral_routes": ["mash", "police"],
        "narrative": "Aisha (07700 900123) was seen getting into a car with Dean Smith near "
        "E1 6AN. Her snap is @ash_k11.",
    },
}

PII = [
    "Aisha",
    "Khan",
    "Ash",
    "2011-04-03",
    "E1 6AN",
    "12 Example Street",
    "07700 900123",
    "7700900123",
    "aisha@example.com",
    "ash_k11",
    "Dean",
    "Smith",
    "7700 900456",
    "d.smith",
]


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keystore:
    root: Path = tmp_path_factory.mktemp("keys") / "keys"
    return init_dev_keys(root, [AGENCY, "lbx-csc"])


@pytest.fixture
def report() -> dict[str, Any]:
    return copy.deepcopy(REPORT)


@pytest.fixture
def client_factory(keys: Keystore) -> Callable[..., tuple[AgencyClient, MemorySink]]:
    def make(**kwargs: Any) -> tuple[AgencyClient, MemorySink]:
        sink = kwargs.pop("sink", None) or MemorySink()
        return AgencyClient(kwargs.pop("agency", AGENCY), keys=keys, sink=sink, **kwargs), sink

    return make
