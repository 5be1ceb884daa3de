"""Event contracts: the Avro schemas in ``schemas/`` and the wire codec over them.

This package knows nothing of Kafka. It turns event records (plain dicts in fastavro's style,
timestamps as aware ``datetime``) into Avro single-object encoded bytes and back, and keeps the
schemas evolvable: every release stays readable, and a compatibility gate stops a change that
would strand a producer or a consumer. Modules, one job each:

* ``events``      - the five event types and UUIDv7 event ids;
* ``named_types`` - ``.avsc`` files into standalone schemas;
* ``schemas``     - the registry: parsed schemas by type and by fingerprint;
* ``codec``       - single-object encoding, decoding, the signed body;
* ``conformance`` - where a record breaks its schema, without quoting it;
* ``releases``    - released snapshots and the compatibility gate (``python -m``);
* ``examples``    - valid example records for every team's tests.
"""

from __future__ import annotations

from threadline.contracts.codec import (
    Codec,
    attach_signature,
    decode,
    encode,
    encode_for_signing,
    schema_of,
    split_signature,
)
from threadline.contracts.events import NAMESPACE, EventType, event_id_time, new_event_id
from threadline.contracts.schemas import (
    EventSchema,
    SchemaRegistry,
    default_registry,
    load_registry,
)

__all__ = [
    "NAMESPACE",
    "Codec",
    "EventSchema",
    "EventType",
    "SchemaRegistry",
    "attach_signature",
    "decode",
    "default_registry",
    "encode",
    "encode_for_signing",
    "event_id_time",
    "load_registry",
    "new_event_id",
    "schema_of",
    "split_signature",
]
