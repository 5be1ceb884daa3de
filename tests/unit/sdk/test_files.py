"""Export files: every line is a record or a named error; error files re-run."""

from __future__ import annotations

import json
from pathlib import Path

from threadline.sdk.files import LineError, read_records, unflatten


def test_jsonl_lines_bad_json_and_bad_utf8_are_each_accounted_for(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": \n[1, 2]\n{"b": "\xff"}\n')
    items = list(read_records(path))
    assert [n for n, _ in items] == [1, 3, 4, 5]
    assert items[0][1] == {"a": 1}
    reasons = [item.reason for _, item in items[1:] if isinstance(item, LineError)]
    assert reasons[0].startswith("not valid JSON (column ")
    assert reasons[1:] == ["not a JSON object", "not UTF-8 (byte 7)"]


def test_error_file_lines_yield_their_records_again(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl.errors.jsonl"
    entry = {
        "line": 7,
        "path": "tlp",
        "code": "invalid_report",
        "reason": "x",
        "record": {"report_id": "R1"},
    }
    path.write_text(json.dumps(entry) + "\n")
    assert list(read_records(path)) == [(1, {"report_id": "R1"})]


def test_csv_dotted_columns_become_the_input_format(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "event_type,report_id,grading.source,subject.given_name,subject.phones,"
        "subject.handles,associates[0].role,associates[0].phones,concern.platforms\n"
        "concern_raised,R1,2,Aisha,07700 900123; 07700 900124,snapchat:ash_k11,suspect,"
        "07700 900456,snapchat:first_contact\n"
        "concern_raised,R2,x,,,,,,\n"
    )
    (_, first), (_, second) = list(read_records(path))
    assert first == {
        "event_type": "concern_raised",
        "report_id": "R1",
        "grading": {"source": 2},
        "subject": {
            "given_name": "Aisha",
            "phones": ["07700 900123", "07700 900124"],
            "handles": [{"platform": "snapchat", "handle": "ash_k11"}],
        },
        "associates": [{"role": "suspect", "phones": ["07700 900456"]}],
        "concern": {"platforms": [{"platform": "snapchat", "role": "first_contact"}]},
    }
    assert isinstance(second, LineError) and "whole number" in second.reason


def test_unflatten_refuses_odd_columns() -> None:
    for column in ("subject..given_name", "associates[0]", "Subject.Name"):
        try:
            unflatten({column: "x"})
        except ValueError as exc:
            assert column in str(exc)
        else:
            raise AssertionError(f"{column} accepted")
