"""`manage.py run_worker`: the Celery worker with beat for `make run`, started again whenever it exits.

On the embedded default nothing else watches the worker (production has systemd's `Restart=always`), so a worker
that dies would leave invitations, reminders, deadline warnings and webhooks waiting until someone noticed.
The worker runs in a process group of its own, and the whole group is ended after it exits, so that its embedded
beat never outlives it (two beats would queue every periodic task twice). SIGINT or SIGTERM stops the worker
warmly and this command with it.
"""

import os
import signal
import subprocess  # nosec B404 - runs the Celery worker of this project, with a fixed argument list
import sys
import time

from django.core.management.base import BaseCommand

RESTART_DELAY_SECONDS = 1.0
RESTART_DELAY_MAX_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0  # a worker that ran this long before exiting is restarted after the shortest delay
STOP_TIMEOUT_SECONDS = 30.0


class Command(BaseCommand):
    help = "Run the Celery worker with beat (solo pool) and start it again whenever it exits."

    def add_arguments(self, parser):
        parser.add_argument("--loglevel", default="WARNING", help="Celery's log level (default WARNING).")
        parser.add_argument(
            "--restart-delay",
            type=float,
            default=RESTART_DELAY_SECONDS,
            help="Seconds before the first restart (default 1); doubled while the worker keeps dying, up to 30.",
        )

    def handle(self, *args, loglevel: str, restart_delay: float, **options):
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cxprogram",
            "worker",
            "--beat",
            "--pool=solo",
            f"--loglevel={loglevel}",
        ]
        stopping = False
        worker: subprocess.Popen | None = None

        def stop(signum, frame):
            nonlocal stopping
            stopping = True
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)  # warm shutdown: the task in hand finishes

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        delay = restart_delay
        while not stopping:
            started = time.monotonic()
            # Fixed arguments, no shell.
            worker = subprocess.Popen(command, start_new_session=True)  # noqa: S603  # nosec B603
            self.stdout.write(f"Worker started (pid {worker.pid}).")
            self.stdout.flush()
            code = self._wait(worker)
            self._end_group(worker.pid)
            if stopping:
                break
            delay = restart_delay if time.monotonic() - started > STABLE_AFTER_SECONDS else delay
            self.stderr.write(f"Worker (pid {worker.pid}) exited with {code}; starting it again in {delay:g} s.")
            self.stderr.flush()
            time.sleep(delay)
            delay = max(restart_delay, min(delay * 2, RESTART_DELAY_MAX_SECONDS))

    @staticmethod
    def _wait(worker: subprocess.Popen) -> int:
        while True:
            try:
                return worker.wait()
            except InterruptedError:  # pragma: no cover - a signal arrived; PEP 475 retries on its own
                continue

    @staticmethod
    def _end_group(pgid: int) -> None:
        """End what is left of the worker's process group (its embedded beat), warmly first."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + (STOP_TIMEOUT_SECONDS if sig == signal.SIGTERM else 0)
            while time.monotonic() < deadline:
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)
