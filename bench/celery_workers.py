"""A real Celery worker for the benchmarks, and the CPU its processes use (read from /proc, no extra package)."""

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The ids of a process's children (a prefork worker's pool processes)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    return [int(child) for child in found]


def start_workers(processes: int, env: dict, log: Path) -> subprocess.Popen:
    """`celery worker` with `processes` prefork processes, started with `env`, its output in `log`; returns once
    the pool is up. RuntimeError when it does not start within two minutes."""
    log.parent.mkdir(parents=True, exist_ok=True)
    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "cxprogram", "worker", "-c", str(processes), "-P", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(children(worker.pid)) < processes:
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"the Celery worker did not start (see {log})")
        time.sleep(0.5)
    time.sleep(3)  # the pool's processes import the app
    return worker
