"""PgBouncer in transaction mode in front of bench/replica.py's primary: what works through it and what does not.

bench/replica.py runs this when a `pgbouncer` program is found (PATH, /usr/sbin, or --pgbouncer). PgBouncer listens
on port 5446 with two server connections for the database; a child process runs the application through it
(DATABASE_URL pointing at PgBouncer) and tries, each while another client holds a server connection in an open
transaction (so that the next statement of the first client is given the other server connection):
- the CSV export of the results page (two server-side cursors inside one transaction): every row must arrive;
- for contrast, Django's `QuerySet.iterator()` outside a transaction (a WITH HOLD cursor, read in chunks);
- a session advisory lock taken and released in autocommit, as the text analytics' chunk jobs do;
- the hosted survey page eight times, every other time beside another client's transaction: its version check is a
  prepared statement after five runs (cxprogram/prepared.py), which PgBouncer before 1.21 cannot carry to another
  server connection; then again with `?prepare_threshold=none` in DATABASE_URL, as docs/operations.md advises.
"""

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.survey_submit import HOST, PYTHON, RunBroken, run  # noqa: E402

PORT = 5446


def pgbouncer_program(given: str | None) -> str | None:
    if given:
        return given
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None)


def start(program: str, primary, database: str, workdir: Path) -> subprocess.Popen:
    """PgBouncer as the `postgres` user (it refuses root), transaction pooling, two server connections."""
    folder = workdir / "pgbouncer"
    folder.mkdir()
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n{database} = host={HOST} port={primary.port} dbname={database} pool_size=2\n"
        f"[pgbouncer]\nlisten_addr = {HOST}\nlisten_port = {PORT}\nunix_socket_dir =\nauth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\npool_mode = transaction\nserver_round_robin = 0\n"
        f"ignore_startup_parameters = extra_float_digits\nlogfile = {folder / 'pgbouncer.log'}\n"
    )
    if primary.as_postgres:
        for path in (folder, folder / "userlist.txt", folder / "pgbouncer.ini"):
            shutil.chown(path, "postgres", "postgres")
    cmd = primary._cmd(program, str(folder / "pgbouncer.ini"))
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.OperationalError):
            psycopg.connect(host=HOST, port=PORT, user="postgres", dbname=database, connect_timeout=1).close()
            return process
        time.sleep(0.1)
    stop(process)
    raise RunBroken(f"PgBouncer did not answer on port {PORT}: {(folder / 'pgbouncer.log').read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def through_pgbouncer(program: str, primary, database: str, workdir: Path, survey: str) -> dict:
    """The child's findings (see the module's docstring), with PgBouncer started and stopped around it."""
    process = start(program, primary, database, workdir)
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@{HOST}:{PORT}/{database}",
            "DATABASE_REPLICA_URL": "",
        }
        out = run([str(PYTHON), __file__, survey], env=env, timeout=300, what="the application through PgBouncer")
        found = json.loads(out.strip().splitlines()[-1])
        env["DATABASE_URL"] += "?prepare_threshold=none"
        out = run([str(PYTHON), __file__, survey, "--hosted-only"], env=env, timeout=300, what="unprepared")
        found["hosted_unprepared"] = json.loads(out.strip().splitlines()[-1])["hosted"]
        return found
    finally:
        stop(process)


@contextlib.contextmanager
def other_client_in_a_transaction():
    """Another client holding a server connection (the one just released, PgBouncer reuses it first)."""
    with psycopg.connect(os.environ["DATABASE_URL"].split("?")[0]) as other:  # the app's own options are not libpq's
        other.execute("SELECT 1")  # psycopg opens a transaction: the server connection stays with it
        yield


def hosted_pages(client, survey: str) -> str:
    """The hosted page eight times, every other one beside another client's transaction: "8 of 8" or the error."""
    shown = 0
    try:
        for i in range(8):
            with other_client_in_a_transaction() if i % 2 else contextlib.nullcontext():
                if client.get(f"/s/{survey}/").status_code == 200:
                    shown += 1
    except Exception as error:  # noqa: BLE001  # the error is the finding, printed as it came
        return f"{shown} of 8, then {type(error).__name__}: {str(error).splitlines()[0]}"
    return f"{shown} of 8"


def child(survey: str, hosted_only: bool = False) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from surveys.models import Response

    if hosted_only:
        return {"hosted": hosted_pages(Client(HTTP_HOST=HOST), survey)}
    client = Client(HTTP_HOST=HOST)
    client.force_login(User.objects.get(username="lead"))
    response = client.get(f"/results/{survey}/export.csv")
    chunks = iter(response.streaming_content)
    first = next(chunks)
    with other_client_in_a_transaction():
        body = first + b"".join(chunks)
    exported = len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
    expected = Response.objects.filter(survey__public_id=survey).count()

    rows = Response.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=100)
    read, iterator_error = 0, ""
    try:
        for _ in range(100):
            next(rows)
            read += 1
        with other_client_in_a_transaction():
            for _ in rows:
                read += 1
    except Exception as error:  # noqa: BLE001  # the error is the finding, printed as it came
        iterator_error = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    connection.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(18, 1)")
        taken = cursor.fetchone()[0]
        with other_client_in_a_transaction():
            cursor.execute("SELECT pg_advisory_unlock(18, 1)")
            released = cursor.fetchone()[0]
    return {
        "exported": exported,
        "expected": expected,
        "iterator_read": read,
        "iterator_error": iterator_error,
        "lock_taken": taken,
        "lock_released": released,
        "hosted": hosted_pages(Client(HTTP_HOST=HOST), survey),
    }


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], hosted_only="--hosted-only" in sys.argv)))
