"""Find generated personal values and linkage tokens in bytes: topics, state stores, logs, metrics.

The privacy claim (DESIGN.md, "Privacy model") is that a dump of every topic and every state
store reveals no name, date of birth, phone, postcode or handle in clear, and that logs and
metrics carry neither personal values nor tokens. This module checks it the only way that can
fail: it knows every value a simulated run generated (``Simulation.pii_strings``) and every
token the SDK computed, and looks for each of them, in every likely rendering, in every byte
the run left behind.

Renderings searched (:func:`pii_needles`): the value as generated, lower case (normalisers
lower-case), upper case, title case, ASCII-folded (``anyascii``, as the name normaliser does)
and JSON-escaped (``"Zo\\u00eb"``, as ``json.dumps`` writes non-ASCII). Tokens
(:func:`token_needles`): raw bytes, hex in both cases, base64 standard and URL-safe with and
without padding, and the body of a Python ``bytes`` repr (``\\xab\\x01...``) - what a careless
``log.info("%s", token)`` prints.

Why values shorter than five bytes are not searched: the haystacks are mostly ciphertext,
signatures, tokens and CLKs, i.e. random bytes, and a fixed 4-byte string occurs in n random
bytes about n / 2^32 times; with thousands of short names and tens of megabytes that is several
chance hits per run, a test that fails for nothing. At five bytes the expectation is
``expected_chance_hits`` (printed by the scan; ~10^-3 for a demo run), while full names,
dates, phones, postcodes and most handles are all longer - a leaked four-letter surname is
still caught when its full name, e-mail or handle leaks with it.

Where the bytes come from (the collectors below): every record of a topic (key, value and
header values, read as admin, including faust's changelog and repartition topics), every file
under a directory as raw bytes (logs, write-ahead logs, Prometheus' WAL), and every key and value
of a RocksDB store read through RocksDB itself: faust's stores use Snappy-compressed SST files,
in which a raw byte scan would miss a value that is plainly there.

The scanner itself is one pass per haystack: every 5-byte window becomes a 40-bit integer
(numpy), looked up among the needles' 5-byte prefixes with a binary search, and only the few
candidate positions are compared with the whole needle. ~50 MB/s on one core.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from anyascii import anyascii

__all__ = [
    "MIN_LENGTH",
    "Haystack",
    "Hit",
    "Needle",
    "Scanner",
    "expected_chance_hits",
    "file_haystacks",
    "pii_needles",
    "rocksdb_haystacks",
    "token_needles",
]

MIN_LENGTH = 5
_PREFIX = 5
_CHUNK = 4 << 20


@dataclass(frozen=True, slots=True)
class Needle:
    """What was searched for: ``kind`` (``pii`` or ``token``), the value it stands for, and how
    it was rendered (``as-generated``, ``lower``, ``hex``, ``base64``...)."""

    kind: str
    value: str
    rendering: str


@dataclass(frozen=True, slots=True)
class Haystack:
    """Bytes from one place: ``source`` is e.g. ``topic:ns.safeguarding.reports.v1``.

    ``text`` haystacks (logs, metrics, documents) count a hit only where the value stands as
    a word of its own: "grace" inside "gracefully" in a log line is English, not a leak. Binary
    haystacks (records, stores) count every occurrence, since a length prefix or a neighbouring
    field may sit right against a leaked value.
    """

    source: str
    data: bytes
    text: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A needle found in a haystack, with a little context (for the failure message only)."""

    source: str
    needle: Needle
    context: bytes

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.needle.kind} {self.needle.value!r} "
            f"({self.needle.rendering}) near {self.context!r}"
        )


def _renderings(value: str) -> dict[str, str]:
    folded = anyascii(value)
    forms = {
        "as-generated": value,
        "lower": value.lower(),
        "upper": value.upper(),
        "title": value.title(),
        "ascii-folded": folded,
        "ascii-folded lower": folded.lower(),
        "ascii-folded upper": folded.upper(),
        "json-escaped": json.dumps(value)[1:-1],
    }
    unique: dict[str, str] = {}
    for rendering, form in forms.items():
        if form not in unique.values():
            unique[rendering] = form
    return unique


def pii_needles(values: Iterable[str], min_length: int = MIN_LENGTH) -> dict[bytes, Needle]:
    """Every rendering of every generated value at least ``min_length`` bytes long."""
    needles: dict[bytes, Needle] = {}
    for value in values:
        for rendering, form in _renderings(value).items():
            encoded = form.encode("utf-8")
            if len(encoded) >= min_length:
                needles.setdefault(encoded, Needle("pii", value, rendering))
    return needles


def token_needles(tokens: Iterable[bytes]) -> dict[bytes, Needle]:
    """Every encoding of every linkage token (or CLK) a log line or metric label might carry."""
    needles: dict[bytes, Needle] = {}
    for token in tokens:
        label = token.hex()[:12] + "..."
        std = base64.b64encode(token)
        url = base64.urlsafe_b64encode(token)
        forms = {
            "raw": token,
            "hex": token.hex().encode(),
            "HEX": token.hex().upper().encode(),
            "base64": std,
            "base64 unpadded": std.rstrip(b"="),
            "base64url": url,
            "base64url unpadded": url.rstrip(b"="),
            "bytes repr": repr(token)[2:-1].encode(),
        }
        for rendering, form in forms.items():
            if len(form) >= MIN_LENGTH:
                needles.setdefault(form, Needle("token", label, rendering))
    return needles


def expected_chance_hits(needles: Mapping[bytes, Needle], bytes_scanned: int) -> float:
    """How many hits uniformly random bytes of that total length would give by chance.

    An upper bound for ciphertext-like haystacks (and far above the truth for text, where
    5-byte runs of a name are not random): sum over needles of n / 256^len.
    """
    return sum(bytes_scanned * 2.0 ** (-8 * len(n)) for n in needles)


@dataclass
class Scanner:
    """Searches haystacks for all needles at once (see the module docstring for how)."""

    needles: Mapping[bytes, Needle]
    _by_prefix: dict[int, list[bytes]] = field(init=False, repr=False)
    _prefixes: np.ndarray = field(init=False, repr=False)
    _longest: int = field(init=False, repr=False)
    bytes_scanned: int = field(default=0, init=False)
    haystacks_scanned: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        short = [n for n in self.needles if len(n) < _PREFIX]
        if short:
            raise ValueError(f"{len(short)} needles are shorter than {_PREFIX} bytes")
        self._by_prefix = {}
        for needle in self.needles:
            self._by_prefix.setdefault(int.from_bytes(needle[:_PREFIX], "big"), []).append(needle)
        self._prefixes = np.array(sorted(self._by_prefix), dtype=np.uint64)
        self._longest = max((len(n) for n in self.needles), default=_PREFIX)

    def scan(self, haystack: Haystack) -> list[Hit]:
        """Every needle found in ``haystack`` (each needle reported once per haystack)."""
        self.bytes_scanned += len(haystack.data)
        self.haystacks_scanned += 1
        found: dict[bytes, Hit] = {}
        data = haystack.data
        for start in range(0, max(len(data) - _PREFIX + 1, 0), _CHUNK):
            window = data[start : start + _CHUNK + self._longest - 1]
            for offset in self._candidates(window):
                if offset >= _CHUNK:
                    continue  # the next chunk starts there
                key = int.from_bytes(window[offset : offset + _PREFIX], "big")
                for needle in self._by_prefix[key]:
                    if needle not in found and window.startswith(needle, offset):
                        at = start + offset
                        if haystack.text and not _stands_alone(data, at, needle):
                            continue
                        context = data[max(at - 24, 0) : at + len(needle) + 24]
                        found[needle] = Hit(haystack.source, self.needles[needle], context)
        return list(found.values())

    def scan_all(self, haystacks: Iterable[Haystack]) -> list[Hit]:
        return [hit for haystack in haystacks for hit in self.scan(haystack)]

    def _candidates(self, window: bytes) -> Iterator[int]:
        if len(window) < _PREFIX or not len(self._prefixes):
            return iter(())
        b = np.frombuffer(window, dtype=np.uint8).astype(np.uint64)
        n = len(b) - _PREFIX + 1
        keys = (
            (b[:n] << np.uint64(32))
            | (b[1 : n + 1] << np.uint64(24))
            | (b[2 : n + 2] << np.uint64(16))
            | (b[3 : n + 3] << np.uint64(8))
            | b[4 : n + 4]
        )
        at = np.searchsorted(self._prefixes, keys)
        at[at == len(self._prefixes)] = 0
        return iter(np.nonzero(self._prefixes[at] == keys)[0].tolist())


def _stands_alone(data: bytes, at: int, needle: bytes) -> bool:
    """No letter or digit glued to either end of a needle that itself begins/ends with one."""
    before = data[at - 1 : at] if at else b""
    after = data[at + len(needle) : at + len(needle) + 1]
    glued_left = before.isalnum() and needle[:1].isalnum()
    glued_right = after.isalnum() and needle[-1:].isalnum()
    return not (glued_left or glued_right)


# -- collectors ------------------------------------------------------------------------------


_TEXT_SUFFIXES = frozenset({".log", ".txt", ".json", ".yml", ".yaml"})


def file_haystacks(root: Path, *, skip: Iterable[str] = ()) -> Iterator[Haystack]:
    """Every regular file under ``root`` as raw bytes (except under the ``skip`` sub-folders);
    ``*.log``, ``*.json``, ``*.yml`` and ``*.txt`` files are text haystacks, RocksDB's own
    ``LOG`` files and write-ahead logs (``000008.log``, binary) are not."""
    skipped = [root / s for s in skip]
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(path.is_relative_to(s) for s in skipped):
            text = path.suffix in _TEXT_SUFFIXES and not path.stem.isdigit()
            yield Haystack(f"file:{path.relative_to(root)}", path.read_bytes(), text=text)


def rocksdb_haystacks(root: Path) -> Iterator[Haystack]:
    """Every key and value of every RocksDB store under ``root``, read through RocksDB.

    Stores are opened read-only (the owning process must have stopped or at least not hold
    exclusive locks; RocksDB's read-only mode does not take the lock).
    """
    from rocksdict import AccessType, Options, Rdict

    for current in sorted(root.rglob("CURRENT")):
        store = current.parent
        db = Rdict(str(store), options=Options(raw_mode=True), access_type=AccessType.read_only())
        try:
            parts = [part for key, value in db.items() for part in (key, value, b"\x00")]
        finally:
            db.close()
        yield Haystack(f"rocksdb:{store.relative_to(root)}", b"".join(parts))
