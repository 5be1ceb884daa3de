"""Blocking: which earlier records a new person record is scored against.

Scoring every pair is quadratic; blocking retrieves as candidates only the records that share a
*blocking key* with the new one. Keys are opaque bytes (a two-letter family prefix, then a token
or a 16-byte BLAKE2b digest of a token combination), derived from tokens only, so the key-indexed
table reveals nothing the tokens do not.

The families are chosen so that a true match survives realistic corruption through at least one
key, while each key stays selective (a key is only useful if few people share it):

=====  ================================  ======================================================
 key    made of                           survives
=====  ================================  ======================================================
 ph     a phone token                     everything but a new phone; names, DOB may be absent
 em     an e-mail token                   likewise
 hd     a handle token                    likewise
 gd     given-name token x DOB            family-name change, typo in family name, move
 fd     family-name token x DOB           nickname not in the variant list, given-name typo
 pd     phonetic pair x DOB               typos in both names (spelling variants keep the code)
 cd     postcode district x DOB           both names garbled or missing
 fy     family-name token x birth year    a wrong day or month (not only a swap)
 py     phonetic pair x birth year        a wrong day/month *and* a typo in a name
 gf     given x family-name token         DOB missing or wrong
=====  ================================  ======================================================

Phonetic tokens are of (given code, family code) pairs, so ``pd`` and ``py`` need both names
to sound alike. ``py`` is off by default (:data:`DEFAULT_FAMILIES`): on synthetic data it added
under half a percent of key recall (a wrong day/month *with* name typos) for a third more
postings work per record; switch it on where such errors are common.

"x DOB" uses the DOB *unordered with its day/month swap* (``{dob, dob_swapped}``), so a record
typed 03/04 and one typed 04/03 share every DOB key. There is no bare-DOB key: a date of birth
is shared by hundreds of children nationally and would saturate at once.

Very common keys (a common family name with a common birth year, a shared household phone) are
handled by a **frequency cap**: the posting list of a key is the small list of records that
carry it; once it has seen more than ``frequency_cap`` distinct subjects the key is
*saturated* — its list is dropped and it is never used for retrieval again (sticky, so the
decision never depends on later withdrawals, and the table stays small). Each posting also
keeps at most ``per_subject`` records of one subject (the most recent), because scoring a new
record against ten reports of the same child adds cost and little recall. Four, not two: an
agency repeats its view of a child in every report, so the two most recent records of a subject
are often copies of one sparse view (say, a report without a first name), and the record that
would have given the new one a personal link is no longer retrieved. On the simulated corpus
(50,000 reports) four raised pairwise recall by three points and, with fewer fragments to
score, did not slow the resolver; eight added nothing.

The faust app keeps one posting per key in a table partitioned by key; this module only decides
what a posting becomes (:func:`post_record`, :func:`unpost_record`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import blake2b

from threadline.correlator.records import PersonTokens

__all__ = [
    "DEFAULT_FAMILIES",
    "KEY_FAMILIES",
    "BlockingConfig",
    "Posting",
    "blocking_keys",
    "identifier_keys",
    "post_record",
    "unpost_record",
]

KEY_FAMILIES: tuple[str, ...] = ("ph", "em", "hd", "gd", "fd", "pd", "cd", "fy", "py", "gf")
DEFAULT_FAMILIES: frozenset[str] = frozenset(KEY_FAMILIES) - {"py"}


@dataclass(frozen=True, slots=True)
class BlockingConfig:
    """Tunables of candidate retrieval (defaults sized for tens of candidates per record)."""

    frequency_cap: int = 30
    per_subject: int = 4
    max_candidates: int = 120
    families: frozenset[str] = DEFAULT_FAMILIES

    def __post_init__(self) -> None:
        unknown = self.families - set(KEY_FAMILIES)
        if unknown or self.frequency_cap < 1 or self.per_subject < 1 or self.max_candidates < 1:
            raise ValueError("blocking config: unknown key family or non-positive limit")


@dataclass(frozen=True, slots=True)
class Posting:
    """State of one blocking key: record ids in arrival order, how many records were posted
    (counting stops once saturated: a saturated key is never written again), saturation."""

    records: tuple[str, ...] = ()
    count: int = 0
    saturated: bool = False


def _digest(prefix: bytes, *parts: bytes) -> bytes:
    return prefix + blake2b(b"".join(parts), digest_size=16).digest()


def identifier_keys(person: PersonTokens) -> tuple[bytes, ...]:
    """Keys of the direct identifiers (phones, e-mails, then handles, each sorted); the same
    keys index suspects for offender networks."""
    return (
        *(b"ph|" + t for t in sorted(person.phones)),
        *(b"em|" + t for t in sorted(person.emails)),
        *(b"hd|" + t for t in sorted(person.handles)),
    )


def blocking_keys(
    person: PersonTokens, families: frozenset[str] = DEFAULT_FAMILIES
) -> tuple[bytes, ...]:
    """All blocking keys of a person record in the chosen families, sorted and unique."""
    keys = [k for k in identifier_keys(person) if k[:2].decode() in families]
    given, family, phonetic = (
        sorted(person.given_name),
        sorted(person.family_name),
        sorted(person.name_phonetic),
    )
    dob = _unordered_dob(person)
    if dob is not None:
        if "gd" in families:
            keys.extend(_digest(b"gd|", g, *dob) for g in given)
        if "fd" in families:
            keys.extend(_digest(b"fd|", f, *dob) for f in family)
        if "pd" in families:
            keys.extend(_digest(b"pd|", p, *dob) for p in phonetic)
        if "cd" in families and person.postcode_district is not None:
            keys.append(_digest(b"cd|", person.postcode_district, *dob))
    year = person.birth_year
    if year is not None:
        if "fy" in families:
            keys.extend(_digest(b"fy|", f, year) for f in family)
        if "py" in families:
            keys.extend(_digest(b"py|", p, year) for p in phonetic)
    if "gf" in families:
        keys.extend(_digest(b"gf|", g, f) for g in given for f in family)
    return tuple(sorted(set(keys)))


def _unordered_dob(person: PersonTokens) -> tuple[bytes, ...] | None:
    if person.dob is None:
        return None
    if person.dob_swapped is None or person.dob_swapped == person.dob:
        return (person.dob,)
    return tuple(sorted((person.dob, person.dob_swapped)))


def post_record(
    posting: Posting | None,
    record_id: str,
    subject_of: Mapping[str, str],
    config: BlockingConfig,
) -> Posting:
    """The posting after ``record_id`` (whose subject is ``subject_of[record_id]``) joins it.

    ``subject_of`` must give the *current* subject of every record in the posting (after any
    merge this record caused). Records with no subject (already gone) are dropped.
    """
    posting = posting or Posting()
    if posting.saturated:
        return posting
    records = [r for r in posting.records if r in subject_of and r != record_id]
    records.append(record_id)
    subjects = [subject_of[r] for r in records]
    if len(set(subjects)) > config.frequency_cap:
        return Posting((), posting.count + 1, True)
    mine = subject_of[record_id]
    surplus = subjects.count(mine) - config.per_subject
    if surplus > 0:
        kept: list[str] = []
        for r, s in zip(records, subjects, strict=True):
            if s == mine and surplus > 0:
                surplus -= 1
                continue
            kept.append(r)
        records = kept
    return Posting(tuple(records), posting.count + 1, False)


def unpost_record(posting: Posting, record_id: str) -> Posting:
    """The posting once a withdrawn record is removed (saturation is never undone)."""
    if record_id not in posting.records:
        return posting
    return Posting(
        tuple(r for r in posting.records if r != record_id), posting.count, posting.saturated
    )
