"""A real streaming replica: where each page's queries go, equal figures from both servers, and the lag.

    .venv/bin/python bench/replica.py [--responses 3000] [--max-lag 2]

Starts its own PostgreSQL primary (initdb in a temporary folder, port 5444, as the `postgres` user when run by
root, like bench/faults.py) and a hot standby cloned from it with `pg_basebackup -R` (port 5445, streaming),
migrates and seeds the demo on the primary, waits for the standby to replay it, then runs the application in this
process (bench.settings with DATABASE_URL and DATABASE_REPLICA_URL, the full middleware stack through Django's
test client) and prints:
- the queries each page sent to the primary and to the replica (the replica's lag checks counted apart);
- the results page and the metrics API read from the replica against the same read from the primary;
- how long a new response took to be readable on the replica, and the lag the application measured;
- with WAL replay paused on the standby, pages reading from the primary once the lag passes --max-lag.
The last line is a VERDICT. Exit code 0 on PASS, 1 on FAIL, 2 when the run itself broke. Both clusters are
stopped and their folder removed. See bench/README.md.
"""

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faults import Postgres, pg_bin  # noqa: E402
from bench.pooling import PORT as POOLER_PORT  # noqa: E402
from bench.pooling import pgbouncer_program, through_pgbouncer  # noqa: E402
from bench.survey_submit import HOST, RunBroken, log, run  # noqa: E402

DB = "cx_replica"
PRIMARY_PORT, STANDBY_PORT = 5444, 5445
SURVEY = "store-visit"
LAG_MARK = "pg_is_in_recovery"  # the application's lag check (cxprogram/replica.py), told apart from page reads


class Cluster(Postgres):
    """bench/faults.py's throwaway cluster, in a folder of its own, holding the database cx_replica."""

    def __init__(self, port: int, workdir: Path, name: str):
        super().__init__(port, workdir)
        self.folder = workdir / name
        self.options = f"-p {port} -k {self.folder} -c listen_addresses={HOST}"
        self.data = self.folder / "data"
        self.log_path = self.folder / "server.log"

    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{DB}"

    def sql(self, query: str, db: str = "postgres") -> str:
        return self.psql(query, db).strip()

    def clone_of(self, primary: "Cluster") -> None:
        """A hot standby of `primary`: a base backup with its WAL, and `-R` writes the streaming connection."""
        self.folder.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        run(self._cmd(pg_bin("pg_basebackup"), "-h", HOST, "-p", str(primary.port), "-U", "postgres",
                      "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast"),
            timeout=300, what="pg_basebackup")  # fmt: skip
        self.start()


def caught_up(primary: Cluster, standby: Cluster, timeout: float = 60) -> float:
    """Seconds until the standby has replayed everything the primary has written so far."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    started = time.monotonic()
    while standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") != "t":
        if time.monotonic() - started > timeout:
            raise RunBroken(f"the standby did not reach {target} within {timeout:.0f} s")
        time.sleep(0.01)
    return time.monotonic() - started


def django_start(primary: Cluster, standby: Cluster, max_lag: int) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=primary.url(),
        DATABASE_REPLICA_URL=standby.url(),
        DATABASE_REPLICA_MAX_LAG=str(max_lag),
        DEBUG="0",
    )
    import django

    django.setup()


def counted(client, method: str, url: str, **kwargs) -> dict:
    """One request through the whole stack; its status and the queries each server answered meanwhile."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = getattr(client, method)(url, **kwargs)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    reads = [q for q in replica.captured_queries if LAG_MARK not in q["sql"]]
    return {
        "status": response.status_code,
        "primary": len(primary.captured_queries),
        "replica": len(reads),
        "lag_checks": len(replica.captured_queries) - len(reads),
        "body": body,
    }


def fresh_verdict() -> None:
    """Forget this process's cached lag verdict, so the next page checks again (it is kept LAG_CHECK_SECONDS)."""
    from cxprogram import replica

    replica._last_check = replica.LagCheck()


def routing(users: dict) -> tuple[list, bool]:
    """Each page's queries per server: the reading pages must use the replica, the others never."""
    from django.test import Client

    from cxprogram.models import Employee

    team = Employee.objects.get(user=users["manager"]).unit_id

    def signed_in(name):
        client = Client(HTTP_HOST=HOST)
        if name:
            client.force_login(users[name])
        return client

    reading = [
        ("lead", "get", "/results/"),
        ("lead", "get", f"/results/{SURVEY}/"),
        ("lead", "get", f"/results/{SURVEY}/export.csv"),
        ("lead", "get", f"/results/{SURVEY}/export.xlsx"),
        ("lead", "get", f"/api/v1/metrics/?survey={SURVEY}"),
        ("alice", "get", "/me/"),
        ("manager", "get", f"/team/{team}/"),
        ("lead", "get", "/kpis/outcomes/"),
    ]
    writing = [
        ("lead", "get", "/"),
        ("manager", "get", "/followups/"),
        ("lead", "get", "/admin/"),
        ("lead", "get", "/admin/surveys/response/"),
        (None, "get", f"/s/{SURVEY}/"),
        ("lead", "post", f"/results/{SURVEY}/"),
    ]
    rows, ok = [], True
    for expect, pages in (("replica", reading), ("primary", writing)):
        for who, method, url in pages:
            row = counted(signed_in(who), method, url)
            good = row["status"] == 200 and (row["replica"] > 0 if expect == "replica" else row["replica"] == 0)
            ok &= good
            rows.append((f"{method.upper()} {url}", who or "customer", expect, row, good))
    return rows, ok


def same_figures(users: dict) -> tuple[list, bool]:
    """The results page and the metrics API read from the replica, then with the router off, from the primary."""
    from django.test import Client, override_settings

    client = Client(HTTP_HOST=HOST)
    client.force_login(users["lead"])
    rows, ok = [], True
    for url in (f"/results/{SURVEY}/", f"/api/v1/metrics/?survey={SURVEY}"):
        fresh_verdict()
        from_replica = counted(client, "get", url)
        with override_settings(DATABASE_ROUTERS=[]):
            from_primary = counted(client, "get", url)
        # The page's form carries a per-request CSRF token; everything else must be the same bytes.
        strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
        equal = strip.sub(b"", from_replica["body"]) == strip.sub(b"", from_primary["body"])
        ok &= equal and from_replica["replica"] > 0 and from_primary["replica"] == 0
        rows.append((url, len(from_replica["body"]), from_replica["replica"], from_primary["primary"], equal))
    return rows, ok


def lag(primary: Cluster, standby: Cluster, max_lag: int, users: dict) -> tuple[dict, bool]:
    """A response written on the primary: how soon the replica has it; then replay paused until the lag is too big."""
    from django.db import connections
    from django.test import Client

    from cxprogram.replica import replica_lag
    from surveys.models import Response, Survey
    from surveys.services.responses import response_submit

    survey = Survey.objects.get(public_id=SURVEY)
    questions = list(survey.questions.all())
    nps = next(q for q in questions if q.code == "nps")

    def write() -> int:
        response = response_submit(survey=survey, questions=questions, answers={nps.pk: 9}, language="ru", source="api")
        return response.pk

    def visible(pk: int) -> bool:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT 1 FROM surveys_response WHERE id = %s", [pk])
            return cursor.fetchone() is not None

    delays = []
    for _ in range(20):
        pk = write()
        started = time.perf_counter()
        while not visible(pk):
            time.sleep(0.0005)
        delays.append((time.perf_counter() - started) * 1000)
    measured = replica_lag()
    client = Client(HTTP_HOST=HOST)
    client.force_login(users["lead"])
    standby.psql("SELECT pg_wal_replay_pause()", db=DB)
    try:
        pk = write()
        started = time.monotonic()
        while replica_lag() < max_lag + 0.5:
            time.sleep(0.1)
        paused_lag = replica_lag()
        fresh_verdict()
        behind = counted(client, "get", f"/results/{SURVEY}/")
        hidden = not visible(pk)
    finally:
        standby.psql("SELECT pg_wal_replay_resume()", db=DB)
    caught_up(primary, standby)
    fresh_verdict()
    back = counted(client, "get", f"/results/{SURVEY}/")
    figures = {
        "delays_ms": sorted(delays),
        "lag_s": measured,
        "paused_lag_s": paused_lag,
        "paused_for_s": time.monotonic() - started,
        "behind": behind,
        "hidden": hidden,
        "back": back,
        "responses": Response.objects.filter(survey=survey).count(),
    }
    ok = behind["replica"] == 0 and behind["status"] == 200 and hidden and back["replica"] > 0
    return figures, ok


def pooling(args, primary: Cluster, workdir: Path) -> str:
    """The application through PgBouncer in transaction mode (bench/pooling.py): "ok", "FAIL" or "skipped"."""
    program = pgbouncer_program(args.pgbouncer)
    if program is None:
        print("\nPgBouncer: not installed (apt-get install pgbouncer, or --pgbouncer PATH); skipped")
        return "skipped"
    found = through_pgbouncer(program, primary, DB, workdir, SURVEY)
    print(f"\nThrough PgBouncer (transaction pooling, port {POOLER_PORT}, 2 server connections), each while another "
          "client held a server connection in a transaction:")  # fmt: skip
    print(f"  CSV export (cursors inside one transaction): {found['exported']} rows of {found['expected']}")
    print(f"  QuerySet.iterator() outside a transaction: {found['iterator_read']} rows, then "
          f"{found['iterator_error'] or 'no error'}")  # fmt: skip
    print(f"  session advisory lock in autocommit: taken {found['lock_taken']}, released {found['lock_released']}")
    print(
        f"  hosted survey page (prepared version check): {found['hosted']}; with ?prepare_threshold=none: "
        f"{found['hosted_unprepared']}"
    )
    return "ok" if found["exported"] == found["expected"] and found["hosted_unprepared"] == "8 of 8" else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=3000, help="demo responses seeded (default 3000)")
    parser.add_argument("--max-lag", type=int, default=2, help="DATABASE_REPLICA_MAX_LAG of the run (default 2 s)")
    parser.add_argument("--pgbouncer", help="the pgbouncer program (default: from PATH or /usr/sbin)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cx-replica-"))
    primary = Cluster(PRIMARY_PORT, workdir, "primary")
    standby = Cluster(STANDBY_PORT, workdir, "standby")
    try:
        log(f"primary: initdb and start on port {PRIMARY_PORT}")
        primary.create()
        primary.psql(f'CREATE DATABASE "{DB}"')
        log(f"standby: pg_basebackup -R from the primary, start on port {STANDBY_PORT}")
        standby.clone_of(primary)
        if standby.sql("SELECT pg_is_in_recovery()") != "t":
            raise RunBroken("the standby is not in recovery")
        django_start(primary, standby, args.max_lag)
        from django.contrib.auth.models import User
        from django.core.management import call_command

        log(f"migrate and seed_demo --responses {args.responses} on the primary")
        call_command("migrate", verbosity=0)
        call_command("seed_demo", responses=args.responses, stdout=io.StringIO())
        log(f"standby replayed the seeding {caught_up(primary, standby):.2f} s after it ended")
        users = {name: User.objects.get(username=name) for name in ("lead", "manager", "alice")}
        print(f"\n{primary.version()}; primary :{PRIMARY_PORT}, streaming standby :{STANDBY_PORT}; "
              f"DATABASE_REPLICA_MAX_LAG={args.max_lag}\n")  # fmt: skip
        print(f"{'page':48} {'as':9} {'expected':9} {'status':>6} {'primary':>8} {'replica':>8} {'lag checks':>11}")
        rows, routed = routing(users)
        for page, who, expect, row, good in rows:
            mark = "" if good else "  <-- wrong"
            print(f"{page:48} {who:9} {expect:9} {row['status']:>6} {row['primary']:>8} {row['replica']:>8} "
                  f"{row['lag_checks']:>11}{mark}")  # fmt: skip
        print(f"\n{'same figures':48} {'bytes':>8} {'replica q':>10} {'primary q':>10} equal")
        compared, equal = same_figures(users)
        for url, size, on_replica, on_primary, same in compared:
            print(f"{url:48} {size:>8} {on_replica:>10} {on_primary:>10} {same}")
        figures, fallback = lag(primary, standby, args.max_lag, users)
        delays = figures["delays_ms"]
        print(
            f"\nnew response readable on the replica after: median {delays[len(delays) // 2]:.1f} ms, "
            f"max {delays[-1]:.1f} ms (20 writes); lag measured by the application: {figures['lag_s']:.3f} s"
        )
        behind, back = figures["behind"], figures["back"]
        print(
            f"replay paused: lag {figures['paused_lag_s']:.1f} s after {figures['paused_for_s']:.1f} s; results "
            f"page {behind['status']}, primary {behind['primary']} queries, replica {behind['replica']} "
            f"(+{behind['lag_checks']} lag check); the new response not yet on the replica: {figures['hidden']}"
        )
        print(f"replay resumed: results page reads the replica again ({back['replica']} queries)")
        pooled = pooling(args, primary, workdir)
        passed = routed and equal and fallback and pooled != "FAIL"
        print(f"\nVERDICT: {'PASS' if passed else 'FAIL'} routing={'ok' if routed else 'wrong'} "
              f"figures={'equal' if equal else 'DIFFERENT'} fallback={'ok' if fallback else 'wrong'} "
              f"pgbouncer_export={pooled} replication_median_ms={delays[len(delays) // 2]:.1f} "
              f"responses={figures['responses']}")  # fmt: skip
        return 0 if passed else 1
    except RunBroken as error:
        print(f"VERDICT: BROKEN {error}", flush=True)
        return 2
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        standby.destroy()
        primary.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
