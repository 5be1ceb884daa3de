"""Services as real, separate processes, each under its own Kafka principal.

The demo runs the correlator and the request broker exactly as an operator would: the
``threadline`` command in a child process with that principal's credentials in its environment,
its output in a log file of its own. Stopping is polite first (SIGTERM, so faust commits and
the broker closes its transaction), then firm; nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from threadline.config import local_credentials
from threadline.errors import ThreadlineError

__all__ = ["Service", "free_port"]


def free_port() -> int:
    """A free TCP port on loopback (for a service's /metrics, /health and /ready)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Service:
    """One threadline process: ``threadline --as PRINCIPAL *argv``."""

    name: str
    principal: str
    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        password = local_credentials().get(self.principal)
        if password is None:
            raise ThreadlineError(f"no local credentials for {self.principal}: is the broker up?")
        env = {
            **os.environ,
            **self.env,
            "THREADLINE_KAFKA_USERNAME": self.principal,
            "THREADLINE_KAFKA_PASSWORD": password,
        }
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "threadline.cli", "--as", self.principal, *self.argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check(self) -> None:
        """Raise if the service died, pointing at its log."""
        if self.process is not None and self.process.poll() is not None:
            raise ThreadlineError(
                f"{self.name} exited with status {self.process.returncode}; see {self.log}"
            )

    def stop(self, timeout_s: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def wait_http(self, port: int, path: str = "/ready", timeout_s: float = 120.0) -> None:
        """Wait until ``http://127.0.0.1:port/path`` answers 200 (or the service dies)."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise ThreadlineError(f"{self.name} was not ready within {timeout_s:.0f}s; see {self.log}")
