"""No real person can be reached: fictional phones, reserved e-mail domains, test NHS numbers."""

from __future__ import annotations

import re

from threadline.sdk.detectors import is_valid_nhs_number
from threadline.simulate import Simulation
from threadline.simulate.phones import (
    FICTIONAL_PREFIXES,
    is_fictional,
    national_number,
    phone_formats,
)


def test_every_phone_is_in_an_ofcom_drama_range(medium: Simulation) -> None:
    written = [
        p
        for _, r in medium.reports
        for person in (r.get("subject") or {}, *r.get("associates", []))
        for p in person.get("phones", [])
    ]
    assert len(written) > 3000
    assert all(is_fictional(national_number(p)) for p in written)
    truth = [n for c in medium.truth.children for _, n in c.phones]
    truth += [n for o in medium.truth.offenders for n in o.phones]
    assert all(is_fictional(n) for n in truth)
    assert len(set(truth)) == len(truth)  # no number is shared by two true people
    narrative_numbers = re.findall(
        r"(?:\+44|0044|\(?0)[\d ()-]{9,16}\d",
        " ".join(r["concern"]["narrative"] for _, r in medium.reports if "concern" in r),
    )
    assert all(is_fictional(national_number(n)) for n in narrative_numbers)


def test_every_phone_format_parses_back_to_the_same_number() -> None:
    for prefix in FICTIONAL_PREFIXES:
        number = prefix + "042"
        assert {national_number(f) for f in phone_formats(number)} == {number}


def test_emails_use_reserved_domains_and_nhs_numbers_the_test_range(medium: Simulation) -> None:
    emails = [e for c in medium.truth.children for e in c.emails]
    assert emails and all(e.endswith(("@example.com", "@example.org")) for e in emails)
    for child in medium.truth.children:
        assert child.nhs_number.startswith("999") and is_valid_nhs_number(child.nhs_number)


def test_names_come_from_many_origins_with_common_values(medium: Simulation) -> None:
    origins = {c.origin for c in medium.truth.children}
    assert len(origins) >= 8
    given = [c.given_name for c in medium.truth.children]
    family = [c.family_name for c in medium.truth.children]
    assert given.count("Mohammed") >= 10 and family.count("Smith") >= 20
    assert any(not n.isascii() for n in family)  # diacritics reach the records


def test_pii_strings_cover_what_the_records_hold(small: Simulation) -> None:
    pii = set(small.pii_strings(min_length=1, vocabulary_safe=False))
    for _, record in small.reports:
        for person in (record.get("subject") or {}, *record.get("associates", [])):
            for key in ("given_name", "family_name", "postcode", "address", "date_of_birth"):
                if key in person:
                    assert person[key] in pii
            assert set(person.get("phones", [])) <= pii
            assert {h["handle"] for h in person.get("handles", [])} <= pii
    assert set(small.unlisted_values) <= pii
    assert all(len(s) >= 4 for s in small.pii_strings())


def test_scan_safe_pii_strings_only_drop_words_of_the_fixed_vocabulary(small: Simulation) -> None:
    complete = set(small.pii_strings(vocabulary_safe=False))
    safe = set(small.pii_strings())
    assert safe <= complete and len(complete - safe) < 0.01 * len(complete)
    for child in small.truth.children:  # a person never disappears from the scan
        assert f"{child.given_name} {child.family_name}" in safe
