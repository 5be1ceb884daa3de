"""Files on disk: one JSON Lines file per agency plus the truth, readable back as written."""

from __future__ import annotations

import json
from pathlib import Path

from threadline.simulate import Simulation, write


def test_write_produces_agency_files_and_truth(small: Simulation, tmp_path: Path) -> None:
    written = write(small, tmp_path / "out")
    agencies = [a.agency_id for a in small.config.agency_table]
    assert sorted(written) == sorted(
        [f"reports/{a}.jsonl" for a in agencies] + ["truth.jsonl", "truth.json"]
    )
    back = {
        a: (tmp_path / "out" / "reports" / f"{a}.jsonl").read_text("utf-8").splitlines()
        for a in agencies
    }
    assert sum(len(lines) for lines in back.values()) == len(small.reports)
    truth = [
        json.loads(line)
        for line in (tmp_path / "out" / "truth.jsonl").read_text("utf-8").splitlines()
    ]
    for (agency, record), entry in zip(small.reports, truth, strict=True):
        assert json.loads(back[agency][entry["line"]]) == record
        assert entry["agency_id"] == agency and entry["report_id"] == record["report_id"]
    document = json.loads((tmp_path / "out" / "truth.json").read_text("utf-8"))
    assert document["summary"]["reports"] == len(small.reports)
    assert len(document["children"]) == len(small.truth.children)
    assert document["config"]["seed"] == small.config.seed


def test_names_are_written_as_utf8_not_escaped(small: Simulation, tmp_path: Path) -> None:
    write(small, tmp_path)
    text = (tmp_path / "truth.json").read_text("utf-8")
    accented = next(c.family_name for c in small.truth.children if not c.family_name.isascii())
    assert accented in text and "\\u" not in text
