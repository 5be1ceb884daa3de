"""Platform request protocols: the per-platform rules a data request must satisfy.

A data request is only lawful and useful if it names an identifier the platform can look up, rests
on a legal basis that fits the data asked for, and was approved by an officer of sufficient rank.
Those rules differ per platform and drift over time, so they live in versioned data files
(``protocols/*.yaml``) checked against ``schemas/protocol.schema.json``:

- ``model``: typed, immutable protocol values and the query API (``Protocol.accepts`` ...);
- ``loader``: YAML + JSON Schema, and the start-up refusal on any bad file;
- ``rules``: ``validate_request``, the pure check of a draft against a protocol.

Facts can be *unknown* (the research found nothing published). Unknown stays distinct from "no", so
the validator reports it under its own rule and a human decides instead of the code guessing.
"""

from __future__ import annotations

from threadline.broker.protocols.loader import (
    PROTOCOLS_DIR_ENV,
    SCHEMAS_DIR_ENV,
    find_protocol_schema,
    find_protocols_dir,
    load_protocol,
    load_protocols,
    parse_protocol,
)
from threadline.broker.protocols.model import (
    RANK_ORDER,
    Fact,
    IdentifierType,
    LegalBasis,
    Preservation,
    Protocol,
    Rank,
    RequestType,
    RequestTypeRule,
    ServiceLevels,
    Source,
    SubmissionChannel,
    UserNotification,
    rank_at_least,
)
from threadline.broker.protocols.rules import Rule, RuleViolation, validate_request

__all__ = [
    "PROTOCOLS_DIR_ENV",
    "RANK_ORDER",
    "SCHEMAS_DIR_ENV",
    "Fact",
    "IdentifierType",
    "LegalBasis",
    "Preservation",
    "Protocol",
    "Rank",
    "RequestType",
    "RequestTypeRule",
    "Rule",
    "RuleViolation",
    "ServiceLevels",
    "Source",
    "SubmissionChannel",
    "UserNotification",
    "find_protocol_schema",
    "find_protocols_dir",
    "load_protocol",
    "load_protocols",
    "parse_protocol",
    "rank_at_least",
    "validate_request",
]
