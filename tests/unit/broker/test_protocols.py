"""Protocol files: the shipped ones load, broken ones stop the broker, and drafts are checked.

Why these tests exist: the broker must refuse to start on a protocol it cannot fully read, and a
draft request that breaks a platform's rules must be caught before a second officer approves it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threadline.broker.protocols as protocols_api
from tests.unit.broker.conftest import DocFactory, ProtocolWriter
from threadline.broker.protocols import (
    RANK_ORDER,
    IdentifierType,
    LegalBasis,
    Protocol,
    Rank,
    RequestType,
    Rule,
    find_protocol_schema,
    find_protocols_dir,
    load_protocol,
    load_protocols,
    parse_protocol,
    rank_at_least,
    validate_request,
)
from threadline.errors import ConfigError

SHIPPED = sorted(find_protocols_dir().glob("*.yaml"))
SCHEMA: dict[str, Any] = json.loads(find_protocol_schema().read_text(encoding="utf-8"))
EXPECTED_IDS = {
    "discord-gb",
    "google-youtube-gb",
    "meta-facebook-gb",
    "meta-instagram-gb",
    "meta-whatsapp-gb",
    "roblox-gb",
    "snapchat-gb",
    "tiktok-gb",
    "x-gb",
}
JAN_1, JAN_31 = date(2026, 1, 1), date(2026, 1, 31)


def check(protocol: Protocol, request_type: RequestType, **overrides: Any) -> list[Rule]:
    """The rules a draft breaks; the defaults describe a draft the synthetic protocol accepts."""
    draft: dict[str, Any] = {
        "identifier_types": [IdentifierType.USERNAME],
        "legal_basis": LegalBasis.IPA2016_PART3_AUTHORISATION,
        "date_from": JAN_1,
        "date_to": JAN_31,
        "approver_rank": Rank.INSPECTOR,
    } | overrides
    return [violation.rule for violation in validate_request(protocol, request_type, **draft)]


def _from_doc(write_protocol: ProtocolWriter, doc: dict[str, Any]) -> Protocol:
    return load_protocol(write_protocol(doc))


# --- shipped files -------------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_protocol_validates_and_cites_dated_sources(path: Path) -> None:
    protocol = load_protocol(path)
    assert protocol.jurisdiction == "GB"
    assert {rule.name for rule in protocol.rules} == set(RequestType)
    assert all(s.published or s.retrieved or s.date_note for s in protocol.sources)


def test_all_platforms_are_shipped() -> None:
    assert set(load_protocols()) == EXPECTED_IDS


def test_loading_is_deterministic_and_read_only() -> None:
    first, second = load_protocols(), load_protocols()
    assert list(first) == list(second) == sorted(first, key=lambda pid: first[pid].origin)
    assert dict(first) == dict(second)
    with pytest.raises(TypeError):
        first["x-gb"] = first["x-gb"]  # type: ignore[index]


def test_schema_enums_are_the_python_enums() -> None:
    """One source of truth: the schema may not drift from the code that interprets it."""
    defs = SCHEMA["$defs"]
    assert defs["rank"]["enum"] == [rank.value for rank in RANK_ORDER]
    assert defs["identifierType"]["enum"] == [kind.value for kind in IdentifierType]
    assert defs["legalBasis"]["enum"] == [basis.value for basis in LegalBasis]
    assert SCHEMA["properties"]["request_types"]["required"] == [t.value for t in RequestType]


def test_the_public_surface_is_pinned() -> None:
    assert set(protocols_api.__all__) == {
        "PROTOCOLS_DIR_ENV", "RANK_ORDER", "SCHEMAS_DIR_ENV", "Fact", "IdentifierType",
        "LegalBasis", "Preservation", "Protocol", "Rank", "RequestType", "RequestTypeRule",
        "Rule", "RuleViolation", "ServiceLevels", "Source", "SubmissionChannel",
        "UserNotification", "find_protocol_schema", "find_protocols_dir", "load_protocol",
        "load_protocols", "parse_protocol", "rank_at_least", "validate_request",
    }  # fmt: skip


def test_shipped_facts_the_workflow_depends_on() -> None:
    shipped = load_protocols()
    snap, whatsapp, x = shipped["snapchat-gb"], shipped["meta-whatsapp-gb"], shipped["x-gb"]
    assert snap.accepts(RequestType.PRESERVATION, IdentifierType.USERNAME)
    assert not snap.accepts(RequestType.PRESERVATION, IdentifierType.IP_TIMESTAMP)
    assert snap.allowed_legal_bases(RequestType.CONTENT) == {
        LegalBasis.COPPO2019_OVERSEAS_PRODUCTION_ORDER,
        LegalBasis.MLAT,
    }
    assert snap.min_rank(RequestType.TRAFFIC_DATA) is Rank.SUPERINTENDENT
    assert snap.max_date_range_days(RequestType.CONTENT) is None
    assert (snap.preservation().days.value, snap.preservation().extension_days.value) == (365, 180)
    assert x.preservation().extension_request_lead_days.value == 7
    assert not x.preservation().extension_days.known
    assert whatsapp.request_type(RequestType.CONTENT).available.value is False
    assert not whatsapp.accepts(RequestType.PRESERVATION, IdentifierType.PHONE)  # unknown => no
    assert shipped["tiktok-gb"].agreement == "none"


# --- broken files --------------------------------------------------------------------------------


def _break(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for key in parents:
        doc = doc[key]
    if value is _DELETE:
        del doc[leaf]
    else:
        doc[leaf] = value


_DELETE = object()
PRESERVATION = "request_types.preservation"
BROKEN = [
    pytest.param("protocol_id", _DELETE, ("<root>", "required"), id="missing-field"),
    pytest.param(
        f"{PRESERVATION}.min_approval_rank",
        "sargeant",
        (f"{PRESERVATION}.min_approval_rank", "enum"),
        id="wrong-enum",
    ),
    pytest.param(
        "request_types.content.spoc_consultation_required",
        "yes",
        ("request_types.content.spoc_consultation_required", "type"),
        id="bad-type",
    ),
    pytest.param("effective_from", "2026-13-01", ("effective_from", "format"), id="bad-date"),
    pytest.param(
        f"{PRESERVATION}.service_levels",
        {"acknowledgement_hours": 24},
        (f"{PRESERVATION}.service_levels", "required"),
        id="preservation-without-period",
    ),
]


@pytest.mark.parametrize(("path", "value", "expected"), BROKEN)
def test_a_broken_file_names_the_file_the_path_and_the_rule(
    protocol_doc: DocFactory, write_protocol: ProtocolWriter, path: str, value: Any,
    expected: tuple[str, str],
) -> None:  # fmt: skip
    where, rule = expected
    doc = protocol_doc()
    _break(doc, path, value)
    with pytest.raises(ConfigError) as caught:
        load_protocol(write_protocol(doc, "broken.yaml"))
    message = str(caught.value)
    assert caught.value.code == "invalid_protocol"
    assert "broken.yaml" in message
    assert f": {where}: " in message
    assert f"[rule: {rule};" in message


def test_one_broken_file_stops_the_whole_directory(
    protocol_doc: DocFactory, write_protocol: ProtocolWriter
) -> None:
    write_protocol(protocol_doc(), "a-good.yaml")
    bad = write_protocol(protocol_doc(protocol_id="Not A Slug"), "b-bad.yaml")
    with pytest.raises(ConfigError, match=r"b-bad\.yaml: protocol_id: .*pattern"):
        load_protocols(bad.parent)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("protocol_id: [unclosed", "not valid YAML at line"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("? [a, b]\n: c\n", "unhashable key"),
        ("", "<root>: None is not of type 'object'"),
    ],
)
def test_unreadable_yaml_is_a_config_error(
    write_protocol: ProtocolWriter, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError, match=r"odd\.yaml") as caught:
        load_protocol(write_protocol(text, "odd.yaml"))
    assert expected in str(caught.value)


def test_a_citation_of_an_undeclared_source_is_refused(
    protocol_doc: DocFactory, write_protocol: ProtocolWriter
) -> None:
    doc = protocol_doc()
    doc["request_types"]["content"]["sources"] = ["guide", "nowhere"]
    with pytest.raises(ConfigError, match=r"request_types\.content\.sources\.1: .*source_ref"):
        _from_doc(write_protocol, doc)


def test_two_files_may_not_share_a_protocol_id(
    protocol_doc: DocFactory, write_protocol: ProtocolWriter
) -> None:
    first = write_protocol(protocol_doc(), "one.yaml")
    write_protocol(protocol_doc(), "two.yaml")
    with pytest.raises(ConfigError, match=r"two\.yaml: protocol_id 'example-gb' .*one\.yaml"):
        load_protocols(first.parent)


def test_an_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no protocol files"):
        load_protocols(tmp_path)


def test_dates_stay_text_so_the_schema_checks_them(
    protocol_doc: DocFactory, write_protocol: ProtocolWriter
) -> None:
    text = yaml.safe_dump(protocol_doc()).replace("'2026-01-01'", "2026-01-01")
    protocol = load_protocol(write_protocol(text))
    assert protocol.effective_from == date(2026, 1, 1)


def test_the_directory_can_be_overridden_by_environment(
    protocol_doc: DocFactory, write_protocol: ProtocolWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_protocol(protocol_doc()).parent
    monkeypatch.setenv("THREADLINE_PROTOCOLS_DIR", str(directory))
    assert list(load_protocols()) == ["example-gb"]
    monkeypatch.setenv("THREADLINE_PROTOCOLS_DIR", str(directory / "missing"))
    with pytest.raises(ConfigError, match="THREADLINE_PROTOCOLS_DIR"):
        load_protocols()


def test_an_unusable_schema_is_a_config_error(tmp_path: Path) -> None:
    schema = tmp_path / "protocol.schema.json"
    schema.write_text('{"type": "no-such-type"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot use protocol schema"):
        parse_protocol("{}", "x.yaml", schema_path=schema)


# --- validate_request ----------------------------------------------------------------------------


@pytest.fixture
def synthetic(protocol_doc: DocFactory, write_protocol: ProtocolWriter) -> Protocol:
    doc = protocol_doc()
    types = doc["request_types"]
    types["content"]["available"] = {"value": False, "source": "guide"}
    types["traffic_data"]["available"] = {"unknown": True, "note": "not published"}
    types["traffic_data"]["accepted_identifiers"] = {"unknown": True, "note": "not published"}
    types["basic_subscriber_info"] |= {
        "max_date_range_days": 31,
        "mandatory_fields": ["account_identifier", "date_range"],
        "spoc_consultation_required": True,
    }
    return _from_doc(write_protocol, doc)


def test_a_draft_that_follows_the_protocol_has_no_violations(synthetic: Protocol) -> None:
    assert check(synthetic, RequestType.BASIC_SUBSCRIBER_INFO, spoc_consulted=True) == []


@pytest.mark.parametrize(
    ("request_type", "overrides", "expected"),
    [
        (RequestType.CONTENT, {}, Rule.REQUEST_TYPE_UNAVAILABLE),
        (RequestType.TRAFFIC_DATA, {}, Rule.REQUEST_TYPE_AVAILABILITY_UNKNOWN),
        (RequestType.PRESERVATION, {"identifier_types": []}, Rule.NO_IDENTIFIER),
        (
            RequestType.PRESERVATION,
            {"identifier_types": [IdentifierType.EMAIL]},
            Rule.IDENTIFIER_NOT_ACCEPTED,
        ),
        (RequestType.PRESERVATION, {"legal_basis": LegalBasis.MLAT}, Rule.LEGAL_BASIS_NOT_ALLOWED),
        (RequestType.BASIC_SUBSCRIBER_INFO, {"date_to": None}, Rule.DATE_RANGE_MISSING),
        (
            RequestType.PRESERVATION,
            {"date_from": JAN_31, "date_to": JAN_1},
            Rule.DATE_RANGE_INVERTED,
        ),
        (
            RequestType.BASIC_SUBSCRIBER_INFO,
            {"date_to": JAN_1 + timedelta(days=31)},
            Rule.DATE_RANGE_TOO_LONG,
        ),
        (RequestType.PRESERVATION, {"approver_rank": Rank.SERGEANT}, Rule.RANK_TOO_LOW),
        (RequestType.BASIC_SUBSCRIBER_INFO, {"spoc_consulted": False}, Rule.SPOC_NOT_CONSULTED),
    ],
    ids=lambda value: value.value if isinstance(value, Rule) else None,
)
def test_each_rule_is_caught(
    synthetic: Protocol, request_type: RequestType, overrides: dict[str, Any], expected: Rule
) -> None:
    found = check(synthetic, request_type, **overrides)
    assert expected in found
    if expected is Rule.REQUEST_TYPE_AVAILABILITY_UNKNOWN:
        assert Rule.IDENTIFIERS_UNKNOWN in found


def test_the_limit_is_inclusive_of_both_days(synthetic: Protocol) -> None:
    exactly = {"date_to": JAN_1 + timedelta(days=30)}  # 31 days, the limit
    assert check(synthetic, RequestType.BASIC_SUBSCRIBER_INFO, **exactly) == []


def test_violations_name_their_path_and_keep_a_stable_order(synthetic: Protocol) -> None:
    violations = validate_request(
        synthetic,
        RequestType.CONTENT,
        identifier_types=[IdentifierType.PHONE, IdentifierType.EMAIL],
        legal_basis=LegalBasis.MLAT,
        date_from=None,
        date_to=None,
        approver_rank=Rank.CONSTABLE,
    )
    assert [(v.rule, v.path) for v in violations] == [
        (Rule.REQUEST_TYPE_UNAVAILABLE, "request_types.content.available"),
        (Rule.IDENTIFIER_NOT_ACCEPTED, "request_types.content.accepted_identifiers"),
        (Rule.IDENTIFIER_NOT_ACCEPTED, "request_types.content.accepted_identifiers"),
        (Rule.LEGAL_BASIS_NOT_ALLOWED, "request_types.content.legal_bases"),
        (Rule.RANK_TOO_LOW, "request_types.content.min_approval_rank"),
    ]
    assert "email" in violations[1].message and "phone" in violations[2].message


def test_a_real_draft_against_shipped_instagram() -> None:
    instagram = load_protocols()["meta-instagram-gb"]
    found = check(
        instagram,
        RequestType.CONTENT,
        identifier_types=[IdentifierType.USERNAME, IdentifierType.EMAIL],
        legal_basis=LegalBasis.IPA2016_PART3_AUTHORISATION,
    )
    assert found == [Rule.IDENTIFIER_NOT_ACCEPTED, Rule.LEGAL_BASIS_NOT_ALLOWED, Rule.RANK_TOO_LOW]


def test_an_unknown_request_type_is_a_config_error(synthetic: Protocol) -> None:
    with pytest.raises(ConfigError) as caught:
        synthetic.request_type("wiretap")
    assert caught.value.code == "unknown_request_type"


# --- ranks ---------------------------------------------------------------------------------------


def test_rank_order_is_the_uk_police_order() -> None:
    assert [rank.value for rank in RANK_ORDER][:6] == [
        "constable", "sergeant", "inspector", "chief_inspector", "superintendent",
        "chief_superintendent",
    ]  # fmt: skip


@pytest.mark.parametrize("low", RANK_ORDER)
@pytest.mark.parametrize("high", RANK_ORDER)
def test_rank_at_least_follows_rank_order(low: Rank, high: Rank) -> None:
    assert rank_at_least(high, low) is (RANK_ORDER.index(high) >= RANK_ORDER.index(low))


# --- fuzz ----------------------------------------------------------------------------------------

_yaml_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_yaml_trees = st.recursive(
    _yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_ever_raises_config_error(text: str) -> None:
    try:
        parse_protocol(text, "fuzz.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.yaml")


@settings(max_examples=150, deadline=None)
@given(_yaml_trees)
def test_random_documents_only_ever_raise_config_error(tree: Any) -> None:
    with pytest.raises(ConfigError):
        parse_protocol(yaml.safe_dump(tree), "fuzz.yaml")


def _leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _leaf_paths(value, (*prefix, key))]
    if isinstance(node, list) and node:
        return [p for i, value in enumerate(node) for p in _leaf_paths(value, (*prefix, i))]
    return [prefix]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_documents_load_or_raise_config_error(data: st.DataObject) -> None:
    """Starting from a valid file reaches the code past the schema, where a crash would hide."""
    doc = yaml.safe_load(SHIPPED[0].read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(_leaf_paths(doc)))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(_yaml_trees)
    try:
        protocol = parse_protocol(yaml.safe_dump(doc), "mutated.yaml")
    except ConfigError:
        return
    assert {rule.name for rule in protocol.rules} == set(RequestType)
