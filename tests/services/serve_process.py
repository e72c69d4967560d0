"""``mana serve`` as a real subprocess, for the durability tests and the bench.

``ServerProcess.start(database, *flags)`` runs ``python -m services.server
--database FILE --port 0`` and waits until uvicorn says which port it got and
``/api/v1/health`` answers; ``stop()`` sends SIGTERM (a clean stop), ``kill()``
SIGKILL (the process ends at once, mid-write if it was writing).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_RUNNING = re.compile(r"Uvicorn running on http://[\d.]+:(\d+)")


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls, database: Path | str, *flags: str, timeout: float = 120.0, cpu: int | None = None,
        logs: Path | None = None,
    ) -> ServerProcess:
        """Start the server and wait until it answers (``timeout`` seconds at
        most: filling 1,000,000 records takes a while). ``database``: a file,
        or a PostgreSQL URL (then ``logs`` is the folder of the server's log
        and its maintenance key). ``cpu``: run it on that core only."""
        if isinstance(database, str):
            assert logs is not None, "a server on a URL needs a folder for its log"
            stamp = time.monotonic_ns()
            log = logs / f"server.{stamp}.log"
            flags = (*flags, "--config", str(_config(logs, stamp)))
        else:
            log = database.with_name(f"{database.name}.{time.monotonic_ns()}.log")
        command = [sys.executable, "-m", "services.server", "--database", str(database),
                   "--port", "0", *flags]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MANA_CONFIG", None)
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
                preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
            )
        deadline = time.monotonic() + timeout
        while True:
            found = _RUNNING.search(log.read_text(errors="replace"))
            if found and _healthy(int(found.group(1))):
                return cls(process, log, int(found.group(1)))
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def _config(folder: Path, stamp: int) -> Path:
    """A settings file that puts the server's maintenance key in ``folder``."""
    path = folder / f"server.{stamp}.toml"
    path.write_text(f'[server]\nmaintenance_key_file = "{folder / f"key.{stamp}"}"\n')
    return path


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/api/v1/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def run_serve(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """``mana serve ARGS`` to its end (for start-up failures): exit code and output."""
    env = {k: v for k, v in os.environ.items() if k != "MANA_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "services.server", "--port", "0", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env,
    )
