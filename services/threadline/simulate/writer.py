"""Write a simulation to disk: one JSON Lines file per agency, and the truth beside them.

Layout::

    <out_dir>/reports/<agency_id>.jsonl   agency-input records, time order (what
                                           ``threadline publish`` reads)
    <out_dir>/truth.jsonl                  one line per report: agency, line, true child, ...
    <out_dir>/truth.json                   config, counts, children, offenders, networks

``truth.jsonl`` carries ``line`` (0-based line in the agency file) because an update reuses its
report id, so ``(agency_id, line)`` is the only unique reference to a record. UTF-8 without
escaping: the privacy scan greps for names such as "Wiśniewski" as the bytes they are.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from threadline.simulate.simulation import Simulation
from threadline.simulate.truth import child_json, offender_json

__all__ = ["write"]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _config_json(simulation: Simulation) -> dict[str, Any]:
    config = simulation.config
    out: dict[str, Any] = {
        f.name: getattr(config, f.name)
        for f in fields(config)
        if f.name not in ("agencies", "agency_table", "corruption", "events", "start")
    }
    out["start"] = config.start.isoformat()
    out["agencies"] = [
        {"agency_id": a.agency_id, "kind": a.kind.value} for a in config.agency_table
    ]
    out["corruption"] = asdict(config.corruption)
    out["events"] = asdict(config.events)
    return out


def write(simulation: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """Write the files above (replacing earlier ones); returns what was written, by name."""
    root = Path(out_dir)
    reports_dir = root / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    lines: dict[str, list[str]] = {a.agency_id: [] for a in simulation.config.agency_table}
    truth_lines = []
    for (agency_id, record), report_truth in zip(
        simulation.reports, simulation.truth.reports, strict=True
    ):
        entry = report_truth.as_json()
        entry["line"] = len(lines[agency_id])
        lines[agency_id].append(_dumps(record))
        truth_lines.append(_dumps(entry))
    written: dict[str, Path] = {}
    for agency_id, agency_lines in lines.items():
        path = reports_dir / f"{agency_id}.jsonl"
        path.write_text("".join(line + "\n" for line in agency_lines), encoding="utf-8")
        written[f"reports/{agency_id}.jsonl"] = path
    truth_path = root / "truth.jsonl"
    truth_path.write_text("".join(line + "\n" for line in truth_lines), encoding="utf-8")
    written["truth.jsonl"] = truth_path
    truth = simulation.truth
    document = {
        "config": _config_json(simulation),
        "summary": truth.summary(),
        "networks": [asdict(n) for n in truth.networks],
        "children": [child_json(c) for c in truth.children],
        "offenders": [offender_json(o) for o in truth.offenders],
    }
    summary_path = root / "truth.json"
    summary_path.write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    written["truth.json"] = summary_path
    return written
