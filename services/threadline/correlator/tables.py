"""The pure core's :class:`~threadline.correlator.state.Table` over faust tables.

Every faust table of the correlator is ``key_type=bytes, value_type=bytes``; :class:`FaustTable`
applies the core's byte codecs, and optionally a write-through LRU cache for values read far
more often than written (persons, report histories: every candidate scored reads one). The
cache is private to the one agent that writes the table, so it cannot go stale except across a
rebalance, after which the app clears it. Use it inside an agent, where faust knows the current
event's partition. How table writes are made atomic per step is in
:mod:`~threadline.correlator.guards`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

__all__ = ["FaustTable"]

K = TypeVar("K")
V = TypeVar("V")


class FaustTable(Generic[K, V]):
    """``get``/``set``/``delete`` over a bytes faust table, with codecs and an optional cache."""

    def __init__(
        self,
        table: Any,
        encode: Callable[[V], bytes],
        decode: Callable[[bytes], V],
        *,
        key: Callable[[K], bytes] | None = None,
        cache_size: int = 0,
    ) -> None:
        self.table = table
        self._encode = encode
        self._decode = decode
        self._key: Callable[[K], bytes] = key or cast(Callable[[K], bytes], _utf8)
        self._cache: OrderedDict[bytes, V | None] = OrderedDict()
        self._cache_size = cache_size

    def get(self, key: K) -> V | None:
        raw_key = self._key(key)
        if raw_key in self._cache:
            self._cache.move_to_end(raw_key)
            return self._cache[raw_key]
        raw = self.table.get(raw_key)
        value = None if raw is None else self._decode(raw)
        self._remember(raw_key, value)
        return value

    def set(self, key: K, value: V) -> None:
        raw_key = self._key(key)
        self.table[raw_key] = self._encode(value)
        self._remember(raw_key, value)

    def delete(self, key: K) -> None:
        raw_key = self._key(key)
        del self.table[raw_key]
        self._remember(raw_key, None)

    def clear_cache(self) -> None:
        """Forget cached values (after a rebalance the table may have been restored)."""
        self._cache.clear()

    def _remember(self, raw_key: bytes, value: V | None) -> None:
        if self._cache_size:
            self._cache[raw_key] = value
            self._cache.move_to_end(raw_key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def _utf8(key: str) -> bytes:
    return key.encode()
