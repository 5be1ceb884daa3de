"""Authorisation regression (issue 8): every refusal tried, every failure to refuse counted.

    .venv/bin/python benchmarks/authorisation.py            # needs the local broker (make kafka-up)
    .venv/bin/python benchmarks/authorisation.py --no-acl   # application checks only, no Kafka

Two layers, as in production:

* **ACL matrix** - every principal x topic x {WRITE, READ} of ``infra/topology.yaml``, in a
  namespace of its own, really produced and consumed as that principal (the probe of
  tests/integration/kafka/test_acl_matrix.py); a cell fails when the broker's answer differs
  from the topology's (silence counts as a failure);
* **application checks** - the request broker's own refusals (self-approval, rank, identifiers
  outside the protocol, forged, unsigned and revoked-key commands, non-officers...), listed in
  tests/support/authorisation.py; a check fails when the command is not refused by its rule
  or when a refused command changed the request or rendered a document.

The last line is JSON: ``tried`` and ``failed`` over both layers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.authorisation import application_checks  # noqa: E402 - after the path is set

from threadline.config import kafka_settings, local_credentials  # noqa: E402
from threadline.kafka.admin import apply_topology, remove_namespace  # noqa: E402
from threadline.kafka.clients import admin_client, producer  # noqa: E402
from threadline.kafka.topology import load_topology  # noqa: E402


def acl_matrix() -> tuple[int, list[str]]:
    """Cells tried and the ones whose observed answer differs from the topology."""
    topology = load_topology(namespace=f"authz{uuid.uuid4().hex[:8]}.")
    admin = admin_client(kafka_settings(as_="admin"))
    try:
        apply_topology(admin, topology, passwords=local_credentials() or None)
        writer = producer(kafka_settings(as_="admin"))
        for spec in topology.topics:
            writer.send(spec.name, key=b"seed", value=b"seed", partition=0)
        writer.flush(timeout=30)
        writer.close(timeout=10)
        principals = topology.principal_names()
        cells = [
            (p, spec.name, op)
            for p in principals
            for spec in topology.topics
            for op in ("WRITE", "READ")
        ]
        configs = {p: kafka_settings(as_=p).client_config() for p in principals}
        probe = subprocess.run(
            [sys.executable, "-m", "tests.support.acl_probe"],
            input=json.dumps({"cells": cells, "configs": configs}),
            capture_output=True, text=True, timeout=900, check=True, cwd=ROOT,
        )  # fmt: skip
        observed = json.loads(probe.stdout.strip().splitlines()[-1])
        wrong = [
            f"{p} {op} {topic}: got {seen}"
            for (p, topic, op), seen in zip(cells, observed, strict=True)
            if seen != ("allowed" if topology.allowed(p, topic, op) else "denied")
        ]
        return len(cells), wrong
    finally:
        remove_namespace(admin, topology)
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-acl", action="store_true", help="skip the ACL matrix (no Kafka)")
    args = parser.parse_args()

    checks = application_checks()
    app_failed = [c for c in checks if not c.held]
    for check in checks:
        print(f"{'ok  ' if check.held else 'FAIL'} {check.name}: {check.expected}")
    acl_tried, acl_wrong = (0, []) if args.no_acl else acl_matrix()
    for line in acl_wrong:
        print(f"FAIL acl {line}")
    print(
        json.dumps(
            {
                "tried": len(checks) + acl_tried,
                "failed": len(app_failed) + len(acl_wrong),
                "application_checks": len(checks),
                "application_failed": len(app_failed),
                "acl_cells": acl_tried,
                "acl_failed": len(acl_wrong),
            }
        )
    )


if __name__ == "__main__":
    main()
