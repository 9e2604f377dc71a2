"""Real processes for the outbox's failure tests: a Redis of the test's own, Celery worker and beat
processes on the test database. Every wait is bounded and polls; nothing sleeps blindly."""

import configparser
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
PORTS = range(8770, 8800)


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, every: float = 0.05):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)  # a polling interval, bounded by the deadline above


def unit_file(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read(UNITS / name, encoding="utf-8")
    return unit


def unit_command(name: str) -> list[str]:
    """The Celery arguments of a production unit's ExecStart (what follows ``celery``)."""
    argv = shlex.split(unit_file(name)["Service"]["ExecStart"])
    return argv[next(i for i, arg in enumerate(argv) if arg.endswith("/celery")) + 1:]


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


class RedisServer:
    """A throw-away redis-server (no persistence: a restart starts empty, as a lost broker would)."""

    def __init__(self, directory: Path):
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=20, what="redis-server to answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        wait_until(lambda: not self._answers(), timeout=20, what="redis-server to stop")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("the worker processes need PostgreSQL (they open the test database themselves)")
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def process_env(broker_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "project.settings"),  # as this process
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=broker_url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        CERT_SIGNING_DEV_KEY_DIR=str(settings.CERT_SIGNING_DEV_KEY_DIR),
        CERT_SIGNING_DEV_KEY_ALLOWED="1",
        CMA_OUTBOX_RETRY_SECONDS="2",  # the reconciler re-sends what is not done 2 s on
        CMA_OUTBOX_RECONCILE_SECONDS="1",
        CMA_CLOCKS_CHECK_SECONDS="3600",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    return env


class CeleryProcess:
    """``celery -A project worker`` (the production flags), ``beat``, or the default set-up's
    ``manage.py run_worker``, in its own process group."""

    def __init__(self, kind: str, broker_url: str, log: Path, **env: str):
        self.kind, self.log = kind, log
        argv = [sys.executable, "-m", "celery", "-A", "project"]
        if kind == "run_worker":  # the default set-up: no broker, a file queue, beat embedded
            argv = [sys.executable, "manage.py", "run_worker"]
        elif kind == "worker":  # the production unit's command line, one pool process
            argv += [arg for arg in unit_command("cma-worker.service") if not arg.startswith("--concurrency")]
            argv += ["--concurrency=1", "-n", f"outbox-test-{os.getpid()}@%h"]
        else:
            argv += unit_command("cma-beat.service")
        self.handle = open(log, "ab")
        self.process = subprocess.Popen(argv, cwd=ROOT, env={**process_env(broker_url), **env}, stdout=self.handle,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        marker = "beat: Starting" if self.kind == "beat" else " ready."
        wait_until(lambda: marker in self.output() or not self.alive(), timeout=timeout, what=f"{self.kind} to start")
        assert self.alive(), f"{self.kind} exited:\n{self.output()[-3000:]}"

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_pool_child(self) -> int:
        """SIGKILL the pool process that runs the tasks (as the OOM killer would); the main process
        stays and forks a new one. Returns the killed pid."""
        (child,) = self.pool_children()
        os.kill(child, signal.SIGKILL)
        return child

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool child die at once."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.handle.close()

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.handle.close()
