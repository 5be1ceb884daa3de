"""What ``threadline requests ...`` does on Kafka: send a signed command, await the reply.

Replies travel on ``platform.requests.v1``, which liaison principals may read: the broker answers
a command with a request snapshot whose ``event.command_id`` is the command's id, or with a
``CommandRejected`` carrying it. The client starts reading at the topic's current end *before* it
publishes, so the reply cannot slip past, and gives up after ``timeout_s`` with
:class:`ReplyTimeout` (the command may still be processed later; ``requests show`` will tell).

Listing and showing need no command at all: the client reads the compacted topic to its end and
keeps the newest snapshot of each request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kafka.consumer.fetcher import ConsumerRecord

from threadline.broker.drafting import request_id_for
from threadline.broker.errors import ReplyTimeout, RequestRefused, Violation
from threadline.broker.kafka_io import assign_all, read_to_end
from threadline.broker.messages import (
    COMMAND_REJECTED,
    REQUEST_RECORD,
    BrokerCodec,
    default_codec,
)
from threadline.broker.model import CommandKind, DataRequest, LiaisonCommand
from threadline.broker.signing import load_officer_signer, sign_command
from threadline.config import KafkaSettings
from threadline.contracts import new_event_id
from threadline.errors import ThreadlineError
from threadline.kafka.clients import consumer, kafka_errors, producer

__all__ = ["LiaisonClient", "Reply", "command_key"]

REQUESTS = "platform.requests.v1"
COMMANDS = "liaison.commands.v1"


def command_key(command: LiaisonCommand) -> str:
    """The Kafka key: the request id, which a draft's id determines, so every command about
    one request lands on one partition and the broker sees them in the order they were sent."""
    return command.request_id or request_id_for(command.command_id)


@dataclass(frozen=True)
class Reply:
    """The broker's answer to one command: the request as it now stands, or the refusal."""

    command_id: str
    request: DataRequest | None
    refusal: RequestRefused | None


class LiaisonClient:
    """One officer's connection: their Kafka principal and their command-signing key."""

    def __init__(
        self,
        kafka: KafkaSettings,
        keys_dir: Path,
        *,
        officer: str | None = None,
        timeout_s: float = 30.0,
        codec: BrokerCodec | None = None,
    ) -> None:
        self.kafka = kafka
        self.officer = officer or kafka.username or ""
        self.keys_dir, self.timeout_s = keys_dir, timeout_s
        self.codec = codec or default_codec()

    def topic(self, logical: str) -> str:
        return self.kafka.topic_prefix + logical

    def command(self, kind: CommandKind, **fields: object) -> LiaisonCommand:
        """A new command from this officer, stamped now, with a fresh UUIDv7 id."""
        return LiaisonCommand(
            command_id=new_event_id(),
            officer=self.officer,
            issued_at=datetime.now(UTC),
            kind=kind,
            **fields,  # type: ignore[arg-type]
        )

    def send(self, command: LiaisonCommand) -> Reply:
        """Sign, publish and wait for the broker's answer to ``command``."""
        signer = load_officer_signer(self.keys_dir, command.officer)
        data = sign_command(command, signer, self.codec)
        return self.send_raw(data, command.command_id, key=command_key(command))

    def send_raw(self, data: bytes, command_id: str, *, key: str | None = None) -> Reply:
        """Publish already-encoded command bytes (tests use this for forged ones)."""
        reader = consumer(self.kafka, group_id=None)
        try:
            partitions = assign_all(reader, self.topic(REQUESTS))
            with kafka_errors("finding the end of the requests topic"):
                reader.seek_to_end(*partitions)
                for partition in partitions:
                    reader.position(partition)
            writer = producer(self.kafka)
            try:
                with kafka_errors("publishing a liaison command"):
                    writer.send(
                        self.topic(COMMANDS), key=(key or command_id).encode(), value=data
                    ).get(timeout=self.timeout_s)
            finally:
                writer.close(timeout=5)
            return self._await(reader, command_id)
        finally:
            reader.close()

    def _await(self, reader: object, command_id: str) -> Reply:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            with kafka_errors("waiting for the broker's reply"):
                polled = reader.poll(timeout_ms=200)  # type: ignore[attr-defined]
            for records in polled.values():
                for record in records:
                    reply = self._match(record, command_id)
                    if reply is not None:
                        return reply
        raise ReplyTimeout(
            f"no reply to command {command_id} within {self.timeout_s:.0f}s: is the broker "
            "running? The command may still be processed (check `threadline requests list`)."
        )

    def _match(self, record: ConsumerRecord, command_id: str) -> Reply | None:
        if record.value is None:
            return None
        try:
            name, value = self.codec.decode(record.value)
        except ThreadlineError:
            return None
        if name == REQUEST_RECORD and value["event"]["command_id"] == command_id:
            return Reply(command_id, DataRequest.from_record(value), None)
        if name == COMMAND_REJECTED and value["command_id"] == command_id:
            violations = [Violation(**v) for v in value["violations"]] or [
                Violation(value["code"], "", value["reason"])
            ]
            return Reply(command_id, None, RequestRefused(violations))
        return None

    def snapshots(self) -> list[DataRequest]:
        """Every request snapshot still on the compacted topic, in topic order (compaction may
        have removed older versions; the newest of each request is always there)."""
        found: list[DataRequest] = []

        def keep(record: ConsumerRecord) -> None:
            if record.value is None:
                return
            try:
                name, value = self.codec.decode(record.value)
            except ThreadlineError:
                return
            if name == REQUEST_RECORD:
                found.append(DataRequest.from_record(value))

        reader = consumer(self.kafka, group_id=None)
        try:
            read_to_end(reader, assign_all(reader, self.topic(REQUESTS)), keep)
        finally:
            reader.close()
        return found

    def requests(self) -> dict[str, DataRequest]:
        """Every request's newest snapshot, by request id."""
        newest: dict[str, DataRequest] = {}
        for request in self.snapshots():
            known = newest.get(request.request_id)
            if known is None or request.version >= known.version:
                newest[request.request_id] = request
        return newest
