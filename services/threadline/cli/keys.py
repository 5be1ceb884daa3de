"""``threadline keys``: development keys (disclosure, linkage secret, agency signing keys).

In production each party holds only its own row of the keys directory (see
``threadline.crypto.keystore``) and the disclosure key lives in a KMS; these commands create and
rotate a complete set on one machine so the whole system can run locally.
"""

from __future__ import annotations

from pathlib import Path

import click

from threadline.cli.output import console, emit_json
from threadline.crypto import (
    Keystore,
    add_agency,
    default_keys_dir,
    init_dev_keys,
    rotate_agency_key,
    rotate_disclosure,
    shred_disclosure,
)
from threadline.kafka.topology import load_topology

__all__ = ["keys"]

_DIR = click.option(
    "--keys",
    "keys_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="THREADLINE_KEYS_DIR",
    help="Keys directory (THREADLINE_KEYS_DIR; default ~/.config/threadline/keys).",
)


def topology_agencies() -> list[str]:
    """Agency ids of every ``agency-<id>`` principal in the topology."""
    return [p.removeprefix("agency-") for p in load_topology().principals_with_role("agency")]


@click.group()
def keys() -> None:
    """Create, rotate and shred development keys."""


@keys.command()
@_DIR
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    help="Agency to create a signing key for (default: every agency in the topology).",
)
def init(keys_dir: Path | None, agencies: tuple[str, ...]) -> None:
    """Create a complete keys directory; refuses to overwrite an existing one."""
    store = init_dev_keys(keys_dir, agencies or topology_agencies())
    console.print(
        f"keys created in {store.root} (disclosure v1, linkage secret, "
        f"{len(store.registry().agencies())} agency signing keys)"
    )


@keys.command()
@_DIR
@click.option("--agency", help="Rotate this agency's signing key instead of the disclosure key.")
def rotate(keys_dir: Path | None, agency: str | None) -> None:
    """Add a new disclosure key version (agencies encrypt to it; old versions still decrypt)."""
    if agency:
        signer = rotate_agency_key(keys_dir, agency)
        console.print(f"agency {agency} now signs with {signer.key_id}")
        return
    public = rotate_disclosure(keys_dir)
    console.print(
        f"disclosure key {public.key_id} is now at version {public.version}; "
        "send the new disclosure.pub.json to every agency"
    )


@keys.command()
@_DIR
@click.argument("version", type=int)
@click.confirmation_option(
    prompt="Shredding makes every field under that version unreadable forever. Continue?"
)
def shred(keys_dir: Path | None, version: int) -> None:
    """Crypto-shred a disclosure key VERSION (erasure of every field encrypted to it)."""
    shred_disclosure(version, keys_dir)
    console.print(f"disclosure key version {version} destroyed")


@keys.command("add-agency")
@_DIR
@click.argument("agency")
def add_agency_cmd(keys_dir: Path | None, agency: str) -> None:
    """Create a signing key for a new AGENCY and register it."""
    signer = add_agency(keys_dir, agency)
    console.print(f"agency {agency} registered with signing key {signer.key_id}")


@keys.command()
@_DIR
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(keys_dir: Path | None, as_json: bool) -> None:
    """List key ids and versions (never key material)."""
    store = Keystore(keys_dir)
    public = store.public_keyring().current_public()
    info = {
        "dir": str(store.root or default_keys_dir()),
        "disclosure_key": public.key_id,
        "disclosure_version": public.version,
        "agencies": list(store.registry().agencies()),
    }
    if as_json:
        emit_json(info)
    else:
        for key, value in info.items():
            console.print(f"{key}: {value}")
