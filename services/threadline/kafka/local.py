"""A real Apache Kafka broker for development and tests, from Maven Central jars, no Docker.

``threadline kafka up`` does, in order and each step only when needed:

1. copy the jars named by ``infra/kafka/pom.xml`` into ``~/.cache/threadline/kafka-<ver>/libs``
   with ``mvn dependency:copy-dependencies`` (once; later starts need no network);
2. write a single-node KRaft config (broker + controller on 127.0.0.1 only, SASL/SCRAM-SHA-512
   on the client listener, StandardAuthorizer, ``admin`` the only client-side super user);
3. generate a SCRAM password for every principal in the topology (``<state>/kafka/
   credentials.json``, mode 0600) and format the storage with those credentials;
4. start the JVM in its own session, detached, and wait until an authenticated admin request
   really succeeds — a listening port is not the same as a working broker.

Every foreseeable failure (no Java, Maven offline with an empty cache, a port in use, a corrupt
data directory, a crash during start) becomes a LocalKafkaError whose message is one sentence
saying what to do. The controller listener is PLAINTEXT on loopback and its principal
(``User:ANONYMOUS``) must be a super user so the broker can register with its own controller;
clients can never be ANONYMOUS because the client listener requires SASL.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from threadline.config import LocalKafkaSettings, load_settings, project_root, state_dir
from threadline.errors import LocalKafkaError

__all__ = ["BrokerStatus", "LocalKafka"]

ADMIN = "admin"
_CORRUPT_MARKERS = (
    "InconsistentClusterIdException",
    "No readable meta.properties",
    "CorruptRecordException",
    "Invalid cluster.id",
    "is not formatted",
    "KafkaStorageException",
)


@dataclass(frozen=True)
class BrokerStatus:
    """What ``status`` found: ``running``, ``stopped`` or ``crashed`` (stale pid file)."""

    state: str
    pid: int | None
    bootstrap: str
    detail: str = ""


class LocalKafka:
    """The development broker's files, process and lifecycle."""

    def __init__(self, settings: LocalKafkaSettings | None = None, *, state: Path | None = None):
        self.settings = settings or load_settings(LocalKafkaSettings)
        self.root = project_root()
        self.state = state or state_dir() / "kafka"
        self.version = _pom_kafka_version(self.root / "infra" / "kafka" / "pom.xml")
        self.libs = self.settings.cache_dir / f"kafka-{self.version}" / "libs"

    # -- paths -----------------------------------------------------------------------------
    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.settings.port}"

    @property
    def data_dir(self) -> Path:
        return self.state / "data"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    @property
    def pid_file(self) -> Path:
        return self.state / "broker.pid"

    @property
    def credentials_file(self) -> Path:
        return self.state / "credentials.json"

    @property
    def server_properties(self) -> Path:
        return self.state / "server.properties"

    # -- step 1: jars ------------------------------------------------------------------------
    def ensure_jars(self, say: Callable[[str], None] = lambda _: None) -> Path:
        """The jar directory, fetched once from Maven Central through Maven."""
        if (self.libs / ".complete").is_file():
            return self.libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalKafkaError(
                "Maven (mvn) is not on PATH and the Kafka jars are not cached yet: install Maven "
                "(apt-get install maven) and run `threadline kafka up` again."
            )
        say(f"fetching Apache Kafka {self.version} jars from Maven Central (once)")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        staging = self.libs.with_name("libs.partial")
        shutil.rmtree(staging, ignore_errors=True)
        log = self.log_dir / "mvn.log"
        with log.open("w") as out:
            done = subprocess.run(
                [
                    mvn,
                    "-B",
                    "-q",
                    "-f",
                    str(self.root / "infra" / "kafka" / "pom.xml"),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={staging}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
            raise LocalKafkaError(
                f"could not download Kafka {self.version} from Maven Central (offline, or no "
                f"cache in {self.libs.parent}): reconnect and retry; Maven's output is in {log}."
            )
        (staging / ".complete").write_text(self.version)
        shutil.rmtree(self.libs, ignore_errors=True)
        staging.rename(self.libs)
        return self.libs

    def java_command(self, main_class: str, *args: str, heap: str | None = None) -> list[str]:
        """argv to run a Kafka main class (broker or tool) on the cached classpath."""
        java = _java()
        log4j = self.state / "log4j2.properties"
        return [
            java,
            f"-Xmx{heap or self.settings.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            f"-Dkafka.logs.dir={self.log_dir}",
            "-cp",
            str(self.libs / "*"),
            main_class,
            *args,
        ]

    # -- step 2 and 3: config, credentials, storage --------------------------------------------
    def credentials(self, principals: list[str]) -> dict[str, str]:
        """SCRAM passwords for ``admin`` and every principal, created once and kept 0600."""
        users: dict[str, str] = {}
        stored: dict[str, object] = {}
        if self.credentials_file.is_file():
            stored = json.loads(self.credentials_file.read_text())
            users = dict(stored["users"])  # type: ignore[call-overload]
        missing = [p for p in [ADMIN, *principals] if p not in users]
        if missing or stored.get("bootstrap") != self.bootstrap:
            users.update({p: secrets.token_urlsafe(24) for p in missing})
            self.state.mkdir(parents=True, exist_ok=True)
            tmp = self.credentials_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"bootstrap": self.bootstrap, "users": users}, indent=2))
            tmp.chmod(0o600)
            tmp.replace(self.credentials_file)
        return users

    def write_config(self, admin_password: str) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        port, cport = self.settings.port, self.settings.controller_port
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{ADMIN}" password="{admin_password}";'
        )
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{cport}",
            "listeners": f"SASL_PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
            "advertised.listeners": f"SASL_PLAINTEXT://127.0.0.1:{port}",
            "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": jaas,
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": f"User:{ADMIN};User:ANONYMOUS",
            "allow.everyone.if.no.acl.found": "false",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "log.retention.check.interval.ms": "60000",
        }
        body = "".join(f"{k}={v}\n" for k, v in props.items())
        self.server_properties.write_text("# written by threadline kafka up\n" + body)
        self.server_properties.chmod(0o600)
        (self.state / "log4j2.properties").write_text(_LOG4J2.format(log_dir=self.log_dir))

    def format_storage(self, users: dict[str, str]) -> None:
        """Format KRaft storage once, with a SCRAM credential per user."""
        meta = self.data_dir / "meta.properties"
        if meta.is_file():
            return
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise LocalKafkaError(
                f"the broker data directory {self.data_dir} is corrupt (no meta.properties): run "
                "`threadline kafka reset` to wipe it (local topics are lost) and start again."
            )
        cluster_id = (
            _run_tool(
                self.java_command("kafka.tools.StorageTool", "random-uuid", heap="256m"),
                "generating a cluster id",
            )
            .strip()
            .splitlines()[-1]
        )
        scram = []
        for name, password in sorted(users.items()):
            scram += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
        _run_tool(
            self.java_command(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.server_properties),
                "--standalone",
                *scram,
                heap="256m",
            ),
            "formatting the broker storage",
        )

    # -- step 4: process -------------------------------------------------------------------------
    def status(self) -> BrokerStatus:
        pid = self._pid()
        if pid is None:
            return BrokerStatus("stopped", None, self.bootstrap)
        if _is_our_broker(pid, self.server_properties):
            return BrokerStatus("running", pid, self.bootstrap)
        return BrokerStatus(
            "crashed",
            pid,
            self.bootstrap,
            "stale pid file: the broker died without `threadline kafka down`",
        )

    def start(self, principals: list[str], say: Callable[[str], None] = lambda _: None) -> bool:
        """Start (if not running) and wait until ready; True when this call started it."""
        current = self.status()
        if current.state == "running":
            self.wait_ready()
            return False
        if current.state == "crashed":
            say(f"found a stale broker pid file (pid {current.pid} is gone); starting afresh")
            self.pid_file.unlink(missing_ok=True)
        _java()
        self.ensure_jars(say)
        for port in (self.settings.port, self.settings.controller_port):
            if _port_in_use(port):
                raise LocalKafkaError(
                    f"port {port} on 127.0.0.1 is already in use by another program: stop it, or "
                    "choose other ports with THREADLINE_LOCAL_KAFKA_PORT / _CONTROLLER_PORT."
                )
        users = self.credentials(principals)
        self.write_config(users[ADMIN])
        self.format_storage(users)
        say(f"starting Kafka {self.version} on {self.bootstrap}")
        log = self.log_dir / "server.out"
        launched = subprocess.run(
            [
                "/bin/sh",  # detaches the JVM: it outlives this process, parented to init
                "-c",
                '"$@" >>"$0" 2>&1 </dev/null & echo $!',
                str(log),
                *self.java_command("kafka.Kafka", str(self.server_properties)),
            ],
            capture_output=True,
            text=True,
            check=True,
            start_new_session=True,
        )
        self.pid_file.write_text(launched.stdout.strip())
        self.wait_ready()
        return True

    def wait_ready(self) -> None:
        """Block until the admin can authenticate and describe the cluster."""
        from threadline.kafka.readiness import admin_can_connect

        deadline = time.monotonic() + self.settings.ready_timeout_s
        while time.monotonic() < deadline:
            status = self.status()
            if status.state != "running":
                raise LocalKafkaError(self._explain_crash())
            if _port_in_use(self.settings.port) and admin_can_connect(
                self.bootstrap, ADMIN, self.credentials([])[ADMIN]
            ):
                return
            time.sleep(0.5)
        raise LocalKafkaError(
            f"the broker did not become ready within {self.settings.ready_timeout_s:.0f}s: "
            f"read `threadline kafka logs` ({self.log_dir / 'server.out'})."
        )

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the broker and everything in its process group; True if one was running."""
        status = self.status()
        if status.state != "running" or status.pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        pgid = os.getpgid(status.pid)
        os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(status.pid):
            time.sleep(0.2)
        if _alive(status.pid):
            os.killpg(pgid, signal.SIGKILL)
            while _alive(status.pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def reset(self) -> None:
        """Stop and wipe data, config and credentials (the jar cache stays)."""
        self.stop()
        shutil.rmtree(self.state, ignore_errors=True)

    def logs(self, lines: int = 50) -> str:
        log = self.log_dir / "server.out"
        if not log.is_file():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    # -- internals --------------------------------------------------------------------------
    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _explain_crash(self) -> str:
        tail = self.logs(200)
        where = self.log_dir / "server.out"
        if "Address already in use" in tail:
            return (
                f"the broker could not bind its ports ({self.settings.port}/"
                f"{self.settings.controller_port}): another program uses them; see {where}."
            )
        if any(marker in tail for marker in _CORRUPT_MARKERS):
            return (
                f"the broker data directory {self.data_dir} is corrupt or from another "
                "cluster: run `threadline kafka reset` (local topics are lost) and start again."
            )
        self.pid_file.unlink(missing_ok=True)
        return f"the broker exited during start-up: read {where} (`threadline kafka logs`)."


def _pom_kafka_version(pom: Path) -> str:
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text())
    if match is None:
        raise LocalKafkaError(f"{pom} does not declare <kafka.version>")
    return match.group(1)


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError(
            "Java is not on PATH: install a Java 17+ runtime (apt-get install "
            "openjdk-17-jre-headless) and run `threadline kafka up` again."
        )
    return java


def _run_tool(argv: list[str], what: str) -> str:
    """Run a Kafka tool; on failure report its last line (never argv: it holds passwords)."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LocalKafkaError(f"{what} failed: {detail[-1] if detail else 'no output'}")
    return done.stdout


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    # a zombie has exited; only its parent (init, since we detach) has not reaped it yet
    return not (stat.is_file() and ") Z " in stat.read_text())


def _is_our_broker(pid: int, server_properties: Path) -> bool:
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"kafka.Kafka" in cmdline and str(server_properties).encode() in cmdline


_LOG4J2 = """\
# written by threadline kafka up: broker logs to {log_dir}/server.log, warnings also to stdout
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {log_dir}/server.log
appender.file.filePattern = {log_dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
appender.out.filter.threshold.type = ThresholdFilter
appender.out.filter.threshold.level = warn
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
rootLogger.appenderRef.out.ref = out
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = info
logger.started.additivity = false
logger.started.appenderRef.file.ref = file
logger.started.appenderRef.out.ref = out
"""
