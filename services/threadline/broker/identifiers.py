"""Which identifiers a request may name: data minimisation before anything is decrypted.

The broker proposes the intersection of three sets, none of which needs a plaintext:

* what the case *holds*: the encrypted phones, e-mails and handles of the persons in the case's
  reports (a handle's platform is in clear beside it, so only this platform's handles count);
* what the platform *accepts* for this request type (the protocol);
* what the officer *asked for*: optional person and identifier-type filters.

The result is a list of :class:`~threadline.broker.model.IdentifierRef` (where each value lives),
numbered ID1, ID2... in a stable order, so the same case always yields the same proposal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from threadline.broker.cases import ReportEntry
from threadline.broker.errors import Violation
from threadline.broker.model import IdentifierRef
from threadline.broker.protocols import IdentifierType, Protocol, RequestType

__all__ = ["Held", "held_identifiers", "platform_names", "propose"]


@dataclass(frozen=True, slots=True)
class Held:
    """One encrypted identifier a report event holds."""

    identifier_type: IdentifierType
    entry: ReportEntry
    path: str
    person_ref: str
    person_role: str
    platform: str | None = None


def platform_names(protocol: Protocol) -> frozenset[str]:
    """Names a report may use for the protocol's platform (``meta-instagram``, ``instagram``)."""
    names = {protocol.platform, protocol.platform.rsplit("-", 1)[-1]}
    names.update(service.lower().replace(" ", "") for service in protocol.services)
    return frozenset(n.lower() for n in names)


def _persons(event: dict[str, object]) -> Iterator[tuple[str, dict[str, object]]]:
    subject = event.get("subject")
    if isinstance(subject, dict):
        yield "subject", subject
    associates = event.get("associates") or []
    if isinstance(associates, list):
        for i, person in enumerate(associates):
            if isinstance(person, dict):
                yield f"associates[{i}]", person


def held_identifiers(entry: ReportEntry) -> list[Held]:
    """Every phone, e-mail and handle field of the entry's event, by path (no decryption)."""
    found: list[Held] = []
    for at, person in _persons(entry.event):
        ref, role = str(person.get("ref", "")), str(person.get("role", ""))
        for kind, name in ((IdentifierType.PHONE, "phones"), (IdentifierType.EMAIL, "emails")):
            values = person.get(name) or []
            assert isinstance(values, list)
            found.extend(
                Held(kind, entry, f"{at}.{name}[{j}]", ref, role) for j in range(len(values))
            )
        handles = person.get("handles") or []
        assert isinstance(handles, list)
        for k, handle in enumerate(handles):
            platform = str(handle.get("platform", "")).lower()
            found.append(
                Held(
                    IdentifierType.USERNAME, entry, f"{at}.handles[{k}].handle", ref, role, platform
                )
            )
    return found


def propose(
    protocol: Protocol,
    request_type: RequestType,
    entries: Sequence[ReportEntry],
    *,
    persons: Iterable[str] = (),
    identifier_types: Iterable[str] = (),
) -> tuple[list[IdentifierRef], list[Violation]]:
    """The identifiers this request may name, and any filter that does not fit the case.

    A type filter the platform does not accept is *not* silently dropped: the caller passes it to
    the protocol check, which refuses it under ``identifier_not_accepted``.
    """
    violations: list[Violation] = []
    wanted_types: set[IdentifierType] = set()
    for raw in identifier_types:
        try:
            wanted_types.add(IdentifierType(raw))
        except ValueError:
            violations.append(
                Violation("unknown_identifier_type", "identifier_types", f"{raw[:40]!r} is unknown")
            )
    wanted_persons = set(persons)
    held = [h for entry in entries for h in held_identifiers(entry)]
    known_persons = {h.person_ref for entry in entries for h in _all_person_refs(entry)}
    for person in sorted(wanted_persons - known_persons):
        violations.append(
            Violation("person_not_in_case", "persons", f"{person[:40]!r} is not in the case")
        )
    ours = platform_names(protocol)
    chosen = [
        h
        for h in held
        if (h.platform is None or h.platform in ours)
        and protocol.accepts(request_type, h.identifier_type)
        and (not wanted_types or h.identifier_type in wanted_types)
        and (not wanted_persons or h.person_ref in wanted_persons)
    ]
    refs = [
        IdentifierRef(
            ref=f"ID{i}",
            identifier_type=h.identifier_type.value,
            agency_id=h.entry.ref.agency_id,
            report_id=h.entry.ref.report_id,
            event_id=h.entry.event_id,
            path=h.path,
            person_ref=h.person_ref,
            person_role=h.person_role,
            platform=h.platform,
        )
        for i, h in enumerate(chosen, start=1)
    ]
    return refs, violations


def _all_person_refs(entry: ReportEntry) -> Iterator[Held]:
    for at, person in _persons(entry.event):
        yield Held(IdentifierType.USERNAME, entry, at, str(person.get("ref", "")), "")
