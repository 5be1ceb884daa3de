"""Reading the observations topic as ``insights``: whole for a release, followed for gauges.

(Offline, observations come from a JSON Lines file instead: :func:`~threadline.insights.codec.
read_jsonl`.)

Why the topic is read whole and without committing offsets: a statistics release covers a
period, not "what is new since last time", so every run reads the topic from its start to the
end offsets of the moment it began (records written later wait for the next run) and filters
by week. The consumer carries a group id under the principal's own prefix
(``<namespace><principal>.report``) because that is the only group the ACLs grant, but it
assigns partitions itself and commits nothing.

A record that is not a readable observation is counted and skipped, not fatal: one bad record
from a future writer should not stop a quarterly release, and the count is shown so it is not
silent either. Kafka errors are translated by :mod:`threadline.kafka.clients`; a topic the
principal may not read is an :class:`~threadline.errors.AuthorizationError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kafka import KafkaConsumer, TopicPartition

from threadline.config import KafkaSettings
from threadline.errors import ContractError, KafkaError
from threadline.insights.codec import ObservationCodec, default_codec
from threadline.insights.observations import OBSERVATIONS_TOPIC, Observation
from threadline.kafka.clients import consumer, kafka_errors

__all__ = ["TopicRead", "follow_topic", "read_topic"]


@dataclass
class TopicRead:
    """What one pass over the topic found."""

    observations: list[Observation] = field(default_factory=list)
    undecodable: int = 0


def _open(
    settings: KafkaSettings, topic: str, purpose: str
) -> tuple[KafkaConsumer, list[TopicPartition]]:
    reader = consumer(settings, group_id=f"{settings.topic_prefix}{settings.username}.{purpose}")
    try:
        with kafka_errors(f"describing {topic} as {settings.username}"):
            numbers = reader.partitions_for_topic(topic)
            if not numbers:
                # an unreadable topic has no visible partitions; asking for partition 0's end
                # offset makes the broker say why (the ACL refusal) instead of staying silent
                reader.end_offsets([TopicPartition(topic, 0)])
                raise KafkaError(f"topic {topic} has no partitions visible to this principal")
            partitions = [TopicPartition(topic, n) for n in sorted(numbers)]
            reader.assign(partitions)
            reader.seek_to_beginning(*partitions)
    except BaseException:
        reader.close()
        raise
    return reader, partitions


def read_topic(
    settings: KafkaSettings,
    *,
    topic: str = OBSERVATIONS_TOPIC,
    codec: ObservationCodec | None = None,
    timeout_s: float = 120.0,
) -> TopicRead:
    """Every observation on ``topic`` (namespaced by the settings' prefix) up to its current end."""
    codec = codec or default_codec()
    name = settings.topic_prefix + topic
    reader, partitions = _open(settings, name, "report")
    found = TopicRead()
    deadline = time.monotonic() + timeout_s
    try:
        with kafka_errors(f"reading {name}"):
            ends = reader.end_offsets(partitions)
            while any(reader.position(p) < ends[p] for p in partitions):
                if time.monotonic() > deadline:
                    raise KafkaError(f"timed out reading {name}", retriable=True)
                for records in reader.poll(timeout_ms=200).values():
                    for record in records:
                        observation = _decode(codec, record.value)
                        if observation is None:
                            found.undecodable += 1
                        else:
                            found.observations.append(observation)
    finally:
        reader.close()
    return found


def follow_topic(
    settings: KafkaSettings,
    handle: Callable[[Observation, datetime], None],
    *,
    stop: Callable[[], bool],
    tick: Callable[[], None] = lambda: None,
    undecodable: Callable[[], None] = lambda: None,
    topic: str = OBSERVATIONS_TOPIC,
    codec: ObservationCodec | None = None,
) -> None:
    """Feed every observation from the start of ``topic`` and then as it arrives, with the time
    it was written, to ``handle``, until ``stop()``. ``tick`` runs after every poll (to roll
    the week over when nothing arrives); ``undecodable`` once per unreadable record."""
    codec = codec or default_codec()
    reader, _ = _open(settings, settings.topic_prefix + topic, "gauges")
    try:
        while not stop():
            with kafka_errors("following the observations topic"):
                batch = reader.poll(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    observation = _decode(codec, record.value)
                    if observation is None:
                        undecodable()
                        continue
                    handle(observation, datetime.fromtimestamp(record.timestamp / 1000, tz=UTC))
            tick()
    finally:
        reader.close()


def _decode(codec: ObservationCodec, value: bytes | None) -> Observation | None:
    try:
        return codec.decode(value or b"")
    except ContractError:
        return None
