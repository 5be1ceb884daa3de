"""A real Prometheus server beside the demo, when Debian's ``prometheus`` package is installed.

It scrapes the demo's services on the ports they were given and loads the project's alerting
rules (``infra/prometheus/rules.yml``), so an operator can watch the pipeline the way they
would in production. Without the package the demo runs the same, and says how to add it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from threadline.config import project_root
from threadline.demo.processes import free_port

__all__ = ["start_prometheus"]


def start_prometheus(
    folder: Path, targets: dict[str, int]
) -> tuple[subprocess.Popen[bytes], str] | None:
    """Start Prometheus scraping ``targets`` (job name -> port); None if it is not installed."""
    binary = shutil.which("prometheus")
    if binary is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    rules = project_root() / "infra" / "prometheus" / "rules.yml"
    jobs = "".join(
        f"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        for job, port in targets.items()
    )
    config = folder / "prometheus.yml"
    config.write_text(
        "# written by threadline demo: scrapes this run's services\n"
        "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n"
        f"rule_files:\n  - {rules}\nscrape_configs:\n{jobs}"
    )
    port = free_port()
    log = (folder / "prometheus.log").open("ab")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    log.close()
    return process, f"http://127.0.0.1:{port}"
