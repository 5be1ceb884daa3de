"""The privacy scanner finds what it is meant to find, so a clean scan means something.

Why: a scan that reports zero hits proves nothing unless the same scan, given a leak, reports
it. Each test plants generated values or tokens where a real leak would sit - inside Avro-like
binary bytes, in a Snappy-compressed RocksDB store, in a JSON log line, in a metric label, in a
document beside the approved identifiers - and checks the scan names it; random bytes and plain
English give nothing.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from tests.support.pii_scan import (
    Haystack,
    Scanner,
    expected_chance_hits,
    pii_needles,
    rocksdb_haystacks,
    token_needles,
)
from tests.support.privacy_run import RunEvidence, scan_run
from threadline.demo.run import DemoResult
from threadline.simulate import SimulationConfig, simulate

TOKEN = bytes.fromhex("8f3a5b0c9d2e71f4a6b8c0d2e4f60718")


def _found(scanner: Scanner, data: bytes, *, text: bool = False) -> set[tuple[str, str]]:
    return {(h.needle.value, h.needle.rendering) for h in scanner.scan(Haystack("x", data, text))}


def test_values_are_found_in_every_rendering() -> None:
    scanner = Scanner(pii_needles(["Zoë Kowalczyk", "2011-03-09", "07700 900123"]))
    assert _found(scanner, b"\x0a\x1azo\xc3\xab kowalczyk\x02") == {("Zoë Kowalczyk", "lower")}
    assert _found(scanner, b'{"msg": "Zo\\u00eb Kowalczyk"}') == {("Zoë Kowalczyk", "json-escaped")}
    assert _found(scanner, b"ZOE KOWALCZYK") == {("Zoë Kowalczyk", "ascii-folded upper")}
    assert ("2011-03-09", "as-generated") in _found(scanner, os.urandom(5000) + b"2011-03-09")
    assert _found(scanner, b"call 07700 900123 now", text=True) == {
        ("07700 900123", "as-generated")
    }


def test_text_haystacks_count_whole_words_only() -> None:
    scanner = Scanner(pii_needles(["Grace"]))
    assert _found(scanner, b"exiting gracefully", text=True) == set()
    assert _found(scanner, b"child grace seen", text=True) == {("Grace", "lower")}
    # in binary bytes a length prefix may sit against the value: every occurrence counts
    assert _found(scanner, b"Pgracefully") == {("Grace", "lower")}


def test_tokens_are_found_raw_hex_base64_and_repr() -> None:
    scanner = Scanner(token_needles([TOKEN]))
    lines = [
        b"raw " + TOKEN,
        f"token={TOKEN.hex()}".encode(),
        f"token={TOKEN.hex().upper()}".encode(),
        b"t=" + base64.b64encode(TOKEN),
        b"t=" + base64.urlsafe_b64encode(TOKEN).rstrip(b"="),
        f"tokens: {TOKEN!r}".encode(),
    ]
    for line in lines:
        assert _found(scanner, line, text=True), line


def test_random_bytes_give_no_hits_and_the_chance_estimate_is_small() -> None:
    sim = simulate(SimulationConfig(seed=3, children=40, reports=120))
    needles = pii_needles(sim.pii_strings(min_length=5))
    scanner = Scanner(needles)
    noise = os.urandom(4 << 20)
    assert scanner.scan(Haystack("noise", noise)) == []
    assert scanner.bytes_scanned == len(noise)
    assert expected_chance_hits(needles, len(noise)) < 0.01


def test_a_value_in_a_compressed_rocksdb_store_is_found(tmp_path: Path) -> None:
    from rocksdict import Options, Rdict

    store = tmp_path / "tables" / "persons-0.db"
    options = Options(raw_mode=True)
    db = Rdict(str(store), options=options)
    for i in range(2000):  # enough to flush compressed SST files
        db[f"k{i:05d}".encode()] = os.urandom(64)
    db[b"subject"] = b'{"family_name": "Kowalczyk", "dob": "2011-03-09"}'
    db.flush()
    db.close()
    scanner = Scanner(pii_needles(["Kowalczyk", "2011-03-09"]))
    hits = scanner.scan_all(rocksdb_haystacks(tmp_path))
    assert {h.needle.value for h in hits} == {"Kowalczyk", "2011-03-09"}
    assert all(h.source == "rocksdb:tables/persons-0.db" for h in hits)


def test_scan_run_reports_planted_leaks_everywhere(tmp_path: Path) -> None:
    """The whole scan over a run-shaped folder with one leak of each kind planted."""
    sim = simulate(SimulationConfig(seed=5, children=30, reports=90))
    child = sim.truth.children[0]
    offender_phone = sim.truth.offenders[0].phones[0]
    folder = tmp_path / "run"
    (folder / "logs").mkdir(parents=True)
    (folder / "documents").mkdir()
    (folder / "logs" / "correlator.log").write_text(
        json.dumps({"msg": f"linked {TOKEN.hex()}"}) + "\n"
    )
    (folder / "logs" / "broker.log").write_text(f"decrypted {child.date_of_birth:%d/%m/%Y}\n")
    document = {
        "identifiers": [{"type": "phone", "value": offender_phone}],
        "justification": f"About {child.given_name} {child.family_name}.",
    }
    (folder / "documents" / "RQ-1.json").write_text(json.dumps(document))
    demo = DemoResult(folder, "ns.", documents=[folder / "documents" / "RQ-1.json"])
    run = RunEvidence(
        demo,
        sim,
        console="alerts as analyst-mash sees them\n",
        metrics={"correlator": f'requests_total{{phone="{offender_phone}"}} 1\n'},
        topics=[Haystack("topic:ns.safeguarding.alerts.v1", child.residences[0].postcode.encode())],
        report_records=[],
    )
    report = scan_run(run, extra_tokens={TOKEN})
    sources = {h.source for h in report.pii_hits}
    assert "topic:ns.safeguarding.alerts.v1" in sources
    assert "file:logs/broker.log" in sources
    assert "metrics:correlator" in sources
    assert [h.source for h in report.token_hits] == ["file:logs/correlator.log"]
    assert f"{child.given_name} {child.family_name}" in {
        h.needle.value for h in report.document_violations
    }
    assert offender_phone in report.approved
    figures = report.figures()
    assert figures["pii_hits"] >= 3 and figures["token_hits"] == 1


@pytest.mark.parametrize("value", ["07700 900123", "+44 7700 900123", "0044 7700 900123"])
def test_an_approved_phone_may_appear_in_any_spelling(value: str) -> None:
    from tests.support.privacy_run import _within_approved

    assert _within_approved(value, ["+447700900123"])
    assert not _within_approved(value, ["+447700900999"])
