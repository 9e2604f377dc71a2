"""The HTTP benchmark itself; run it as ``python bench/http.py`` (see that file for what it prints)."""

import argparse
import asyncio
import http.client
import io
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
if not SERVER_URL.startswith("postgres"):
    sys.exit("set DATABASE_URL to a PostgreSQL server")
BENCH_DB = f"{urlsplit(SERVER_URL).path.lstrip('/') or 'postgres'}_bench_http"
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-http-"))
# The production settings (DEBUG off), served over plain HTTP on the loopback as behind a TLS proxy;
# tasks (the certificates' PDFs while filling) run in-process; a throw-away signing key.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DATABASE_URL": urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{BENCH_DB}")),
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-not-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "CELERY_BROKER_URL": "",
    "MEDIA_ROOT": str(SCRATCH / "files"),
    "STATIC_ROOT": str(SCRATCH / "static"),  # collected before the server starts, as a deployment does
    "CERT_SIGNING_DEV_KEY_DIR": str(SCRATCH / "keys"),
    "CERT_SIGNING_DEV_KEY_ALLOWED": "1",
    "LOG_LEVEL": "ERROR",
}
# A shared cache as production has (sessions, permission sets, the dashboard's figures): opt in with
# BENCH_CACHE_URL=redis://127.0.0.1:6379/<a database of your own>; without it each worker has its own.
if os.environ.get("BENCH_CACHE_URL"):
    SERVER_ENV["CACHE_URL"] = os.environ["BENCH_CACHE_URL"]
os.environ.update(SERVER_ENV)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.datasets import SHANGHAI, fill  # noqa: E402
from bench.jsonline import emit  # noqa: E402

# name: (weight, who, path template). Weights: officials work their queues and applications most;
# applicants look at their lists; the public verifies certificates; the service centre watches.
MIX = {
    "queue_html": (14, "acceptor", "/tasks/queue/"),
    "queue_api": (14, "acceptor_token", "/api/v1/tasks/?scope=queue"),
    "inbox_html": (8, "acceptor", "/tasks/"),
    "application_page": (16, "acceptor", "/applications/{application}/"),
    "applicant_list_html": (12, "applicant", "/applications/"),
    "applicant_list_api": (8, "applicant_token", "/api/v1/applications/"),
    "verify": (16, "anonymous", "/verify/{certificate}/"),
    "dashboard_html": (4, "monitor", "/metrics/"),
    "five_reductions_api": (8, "monitor_token", "/api/v1/metrics/five-reductions/"),
}
BARE = "/bench/bare/"


def main() -> None:
    parser = argparse.ArgumentParser(description="the product under HTTP load (see bench/http.py)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of the mix")
    parser.add_argument("--rate", type=float, default=150,
                        help="req/s the same users offer together in the paced run, where latency is judged")
    parser.add_argument("--paced-duration", type=float, default=60, help="seconds of the paced run")
    parser.add_argument("--more-rates", default="", help="further offered rates to run paced, e.g. 200,250 "
                        "(where the p95 stands above the target load; printed, and as paced_at_<rate>_* figures)")
    parser.add_argument("--bare-duration", type=float, default=20, help="seconds of the bare page")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--certified", type=int, default=10, help="applications taken through the real flow")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: the deploy config's)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port (another run may hold any fixed one)")
    parser.add_argument("--cpu-runs", type=int, default=40, help="in-process requests per endpoint for CPU time")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep")
    parser.add_argument("--tiny", action="store_true", help="4 users, 3 s, 300 applications: checks that it runs")
    args = parser.parse_args()
    if not args.port:
        args.port = free_port()
    if args.tiny:
        args.users, args.duration, args.bare_duration, args.warmup = 4, 3, 2, 1
        args.rate, args.paced_duration = 20, 2
        args.applications, args.certified, args.cpu_runs = 300, 2, 5
    admin = urlunsplit(urlsplit(SERVER_URL)._replace(path="/postgres"))
    if not args.reuse:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    server = None
    try:
        if not args.reuse:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            # Deadlines of the COPY-built history fall inside the calendar's years from this day on.
            with time_machine.travel(datetime(2026, 9, 15, 10, tzinfo=SHANGHAI), tick=True):
                counts = fill(args.applications)
            counts["certificates"] = certify(args.certified)
            print(f"filled in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{n:,} {what}" for what, n in counts.items()), flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        credentials = sign_in()
        targets = pick_targets()
        in_process = measure_in_process(credentials, targets, runs=args.cpu_runs)
        connection.close()
        server = start_server(args)
        print(f"gunicorn on 127.0.0.1:{args.port}, {server.workers} workers; {args.users} users", flush=True)
        run_load(args.port, credentials, targets, users=args.users, seconds=args.warmup, bare=False)  # warm-up
        mix = run_load(args.port, credentials, targets, users=args.users, seconds=args.duration, bare=False)
        paced = {rate: run_load(args.port, credentials, targets, users=args.users, seconds=args.paced_duration,
                                bare=False, rate=rate)
                 for rate in [args.rate, *(float(r) for r in args.more_rates.split(",") if r.strip())]}
        bare = run_load(args.port, credentials, targets, users=args.users, seconds=args.bare_duration, bare=True)
        figures = report(mix, paced, bare, args, server.workers)
        figures.update(in_process)
    finally:
        if server is not None:
            server.stop()
        connection.close()
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            print(f"(dropped {BENCH_DB})")
        shutil.rmtree(SCRATCH, ignore_errors=True)
    emit("http", figures)


# --- data ---------------------------------------------------------------------------------------
def certify(n: int) -> int:
    """``n`` applications through the real flow, documents uploaded, to a signed certificate."""
    from django.contrib.auth.models import Group
    from pypdf import PdfWriter

    from approvals.models import Agency, Application, ScopeItem, User
    from documents import selectors as documents_selectors
    from documents.services import document_upload
    from workflows import services
    from workflows.models import Step

    agency = Agency.objects.order_by("id").first()
    applicant = User.objects.get(agency=agency)
    officials = {role: User.objects.filter(groups__name=role).order_by("id").first()
                 for role in ("acceptor", "reviewer", "approver", "issuer")}
    applicant.groups.add(Group.objects.get(name="applicant"))
    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    nodes = [("accept", "acceptor", "accept", {}), ("review", "reviewer", "pass", {"review_mode": "written"}),
             ("decide", "approver", "approve", {"comment": "符合条件"}), ("issue", "issuer", "issue", {})]
    for _ in range(n):
        application = Application.objects.create(agency=agency, created_by=applicant, test_sites="贵阳",
                                                 declaration=True)
        ScopeItem.objects.bulk_create(
            ScopeItem(application=application, seq=i, category="食品", item="食用植物油", parameter=f"酸价{i}",
                      standard=f"GB 5009.{i}-2016") for i in range(1, 21))
        for requirement in documents_selectors.requirements_for(application).filter(mandatory=True,
                                                                                   via_data_sharing=False):
            pdf.seek(0)
            document_upload(application=application, by=applicant, requirement=requirement.code, file=pdf,
                            name="材料.pdf")
        services.application_submit(application=application, by=applicant)
        for node, role, outcome, data in nodes:
            task_id = Step.objects.values_list("task_id", flat=True).get(application=application, node=node,
                                                                        state="open")
            services.task_complete(task_id=task_id, by=officials[role], outcome=outcome, data=data)
    from approvals.models import Certificate

    return Certificate.objects.count()


def sign_in() -> dict[str, dict[str, str]]:
    """Request headers per role: a session cookie (pages) or a token (API), made in this process. Each
    browser also sends the CSRF cookie its first page gave it, as a browser does on every later request
    (without it every page would make and set a new CSRF secret)."""
    from rest_framework.authtoken.models import Token

    from approvals.models import User

    users = {
        "acceptor": User.objects.filter(groups__name="acceptor").order_by("id"),
        "applicant": User.objects.filter(agency__isnull=False).order_by("id"),
        "monitor": User.objects.filter(groups__name="monitor").order_by("id"),
    }
    headers: dict[str, list[dict[str, str]]] = {"anonymous": [{"Cookie": f"csrftoken={csrf_cookie(Client())}"}]}
    for role, queryset in users.items():
        people = list(queryset[:20])
        sessions, tokens = [], []
        for person in people:
            client = Client()
            client.force_login(person)
            sessions.append({"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf_cookie(client)}"})
            token, _created = Token.objects.get_or_create(user=person)
            tokens.append({"Authorization": f"Token {token.key}"})
        headers[role], headers[f"{role}_token"] = sessions, tokens
    return headers


def csrf_cookie(client: Client) -> str:
    """The CSRF cookie the client's first page sets (every page's layout holds a form)."""
    response = client.get("/verify/")
    assert response.status_code == 200, response.status_code
    return client.cookies["csrftoken"].value


def pick_targets() -> dict[str, list]:
    """Object ids the mix requests: applications in the acceptance queue, certificate numbers."""
    from approvals.models import Certificate
    from workflows.models import Step

    applications = list(Step.objects.filter(state="open", node="accept").values_list("application_id", flat=True)[:200])
    certificates = list(Certificate.objects.values_list("number", flat=True)[:200])
    if not applications or not certificates:
        sys.exit("the data set has no open acceptance task or no certificate")
    return {"application": applications, "certificate": certificates}


# --- in-process cost per request ------------------------------------------------------------------
def measure_in_process(credentials, targets, *, runs: int) -> dict:
    """Each endpoint of the mix through Django's test client in this process (the production settings,
    the same database): the median CPU time of a request and its SQL statements. The load figures
    depend on the machine and its other work; these depend on the code."""
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(0)
    client = Client()
    figures: dict = {}
    print(f"  {'in-process, per request':<26}{'CPU ms':>8}{'p95':>8}{'SQL':>6}", flush=True)

    def call(name: str):
        _weight, who, template = MIX[name]
        path = template.format(application=rng.choice(targets["application"]),
                               certificate=rng.choice(targets["certificate"]))
        response = client.get(path, headers=rng.choice(credentials[who]))
        assert response.status_code == 200, (path, response.status_code)
        return response

    for name in MIX:
        for _ in range(5):
            call(name)
        cpu = []
        for _ in range(runs):
            started = time.process_time()
            call(name)
            cpu.append(time.process_time() - started)
        with CaptureQueriesContext(connection) as captured:
            call(name)
        sql = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        median = statistics.median(cpu) * 1000
        p95 = statistics.quantiles(cpu, n=20)[18] * 1000 if len(cpu) > 1 else median
        print(f"  {name:<26}{median:>8.2f}{p95:>8.2f}{len(sql):>6}", flush=True)
        figures.update({f"{name}_cpu_ms": median, f"{name}_cpu_p95_ms": p95, f"{name}_statements": len(sql)})
    return figures


# --- the server ---------------------------------------------------------------------------------
class Server:
    def __init__(self, process: subprocess.Popen, workers: int):
        self.process, self.workers = process, workers

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args) -> Server:
    import multiprocessing

    workers = args.workers or int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
    env = {**os.environ, **SERVER_ENV, "WEB_CONCURRENCY": str(workers), "BIND": f"127.0.0.1:{args.port}"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "bench.http_wsgi:application", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env)
    server = Server(process, workers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            conn.request("GET", BARE)
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    sys.exit("gunicorn did not answer within 60 s")


# --- the load -----------------------------------------------------------------------------------
def run_load(port: int, credentials, targets, *, users: int, seconds: float, bare: bool, rate: float = 0) -> dict:
    """``users`` virtual users, each on its own connection (opened again whenever the server closes
    it, as the sync workers do after each response), for ``seconds``: per endpoint the latencies (s) of
    the 200s and the count of everything else. One event loop drives them all: a thread per user, with
    http.client's header parsing, cost the shared machine more CPU than the pages of the bare run.

    With no ``rate`` each user sends its next request as soon as the last one is answered (a closed
    loop: it finds the server's capacity, and its latency is then mostly the wait in the queue, about
    users / throughput). With a ``rate`` (requests per second, all users together) each user keeps a
    schedule of its own, random (Poisson) arrivals at rate / users, and a request's latency counts
    from the moment it was due, not from when it was sent: a user held up by a slow answer sends late,
    and that lateness is part of the next request's time (no "coordinated omission")."""
    return asyncio.run(_load(port, credentials, targets, users=users, seconds=seconds, bare=bare, rate=rate))


async def _load(port: int, credentials, targets, *, users: int, seconds: float, bare: bool, rate: float) -> dict:
    names = list(MIX)
    weights = [MIX[name][0] for name in names]
    results: list[list[tuple[str, float, bool]]] = [[] for _ in range(users)]
    began = time.perf_counter()
    stop_at = began + seconds
    pace = rate / users if rate else 0

    async def user(index: int) -> None:
        rng = random.Random(index)
        record = results[index]
        reader = writer = None
        due = began + (rng.expovariate(pace) if pace else 0)
        while (due if pace else time.perf_counter()) < stop_at:
            if pace:
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            if bare:
                name, path, headers = "bare", BARE, {}
            else:
                name = rng.choices(names, weights)[0]
                _weight, who, template = MIX[name]
                path = template.format(application=rng.choice(targets["application"]),
                                       certificate=rng.choice(targets["certificate"]))
                headers = rng.choice(credentials[who])
            request = "".join([f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                               *(f"{key}: {value}\r\n" for key, value in headers.items()), "\r\n"]).encode()
            started = due if pace else time.perf_counter()
            if pace:
                due += rng.expovariate(pace)
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                status, length, close = _head(head)
                await (reader.readexactly(length) if length is not None else reader.read())  # no length: until EOF
                close = close or length is None
                ok = status == 200
            except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                ok, close = False, True
            record.append((name, time.perf_counter() - started, ok))
            if close and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    cpu = time.process_time()
    await asyncio.gather(*(user(i) for i in range(users)))
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu
    by_name: dict[str, dict] = {}
    for record in results:
        for name, seconds_taken, ok in record:
            entry = by_name.setdefault(name, {"times": [], "errors": 0})
            if ok:
                entry["times"].append(seconds_taken)
            else:
                entry["errors"] += 1
    return {"elapsed": elapsed, "endpoints": by_name, "client_cpu": cpu}


def _head(head: bytes) -> tuple[int, int | None, bool]:
    """The status, the Content-Length (None: the body ends with the connection) and whether the server
    closes the connection after this response."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = None, lines[0].startswith("HTTP/1.0")
    for line in lines[1:]:
        key, _sep, value = line.partition(":")
        key = key.strip().lower()
        if key == "content-length":
            length = int(value)
        elif key == "connection":
            close = value.strip().lower() == "close"
        elif key == "transfer-encoding":
            raise ValueError("chunked responses are not expected from these pages")
    return status, length, close


def percentiles(times: list[float]) -> tuple[float, float, float]:
    if len(times) < 2:
        value = times[0] * 1000 if times else float("nan")
        return value, value, value
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times) * 1000, cuts[94] * 1000, cuts[98] * 1000


def report(mix: dict, paced_runs: dict[float, dict], bare: dict, args, workers: int) -> dict:
    load = os.getloadavg()[0]
    figures: dict = {"users": args.users, "duration_s": round(mix["elapsed"], 1), "workers": workers,
                     "applications": args.applications}
    print(f"\n{args.users} users, gunicorn {workers} workers; load average {load:.2f} on {os.cpu_count()} CPUs "
          f"(the load generator runs on the same machine)")
    print(f"\ncapacity: each user sends its next request when the last is answered, {mix['elapsed']:.0f} s "
          f"(latency here is mostly the wait in the queue, about users / throughput)")
    figures.update(table(mix, prefix=""))
    for rate, paced in paced_runs.items():
        print(f"\nlatency at {rate:g} req/s offered (each user {rate / args.users:g} req/s, random "
              f"arrivals), {paced['elapsed']:.0f} s, counted from when each request was due")
        figures.update(table(paced, prefix="paced_" if rate == args.rate else f"paced_at_{rate:g}_"))
    bare_entry = bare["endpoints"].get("bare", {"times": [], "errors": 0})
    bare_rate = (len(bare_entry["times"]) + bare_entry["errors"]) / bare["elapsed"]
    b50, b95, b99 = percentiles(bare_entry["times"])
    print(f"\n  {'bare Django page':<22}{len(bare_entry['times']) + bare_entry['errors']:>9}{bare_rate:>8.1f}"
          f"{b50:>9.1f}{b95:>9.1f}{b99:>9.1f}{bare_entry['errors']:>8}   (capacity, {bare['elapsed']:.0f} s)")
    requests = sum(len(e["times"]) + e["errors"] for e in mix["endpoints"].values())
    mix_client = mix["client_cpu"] / max(1, requests) * 1000
    bare_client = bare["client_cpu"] / max(1, len(bare_entry["times"]) + bare_entry["errors"]) * 1000
    print(f"  the load generator's own CPU per request: mix {mix_client:.3f} ms, bare page {bare_client:.3f} ms")
    ratio = figures["rps"] / bare_rate if bare_rate else float("nan")
    print(f"  mix / bare page throughput: {ratio:.2f}")
    print(f"  targets: >= 150 req/s ({figures['rps']:.0f}), p95 <= 150 ms at that load "
          f"({figures['paced_p95_ms']:.0f} ms at {figures['paced_rps']:.0f} req/s), "
          f"0 errors ({figures['errors'] + figures['paced_errors']}), ratio >= 0.5 ({ratio:.2f})")
    figures.update({"rate_offered": args.rate, "bare_rps": bare_rate, "bare_p50_ms": b50, "bare_p95_ms": b95,
                    "bare_errors": bare_entry["errors"], "ratio_bare": ratio, "client_cpu_ms": mix_client,
                    "bare_client_cpu_ms": bare_client})
    return figures


def table(run: dict, *, prefix: str) -> dict:
    """Per endpoint and for all: requests, req/s, p50/p95/p99 and errors, printed and as figures."""
    elapsed, figures = run["elapsed"], {}
    print(f"  {'endpoint':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    all_times, all_errors = [], 0
    for name in [*MIX, None]:
        if name is None:
            times, errors, label, key = all_times, all_errors, "all", prefix
        else:
            entry = run["endpoints"].get(name, {"times": [], "errors": 0})
            times, errors, label, key = entry["times"], entry["errors"], name, f"{prefix}{name}_"
            all_times, all_errors = all_times + times, all_errors + errors
        p50, p95, p99 = percentiles(times)
        rate = (len(times) + errors) / elapsed
        print(f"  {label:<22}{len(times) + errors:>9}{rate:>8.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{errors:>8}")
        figures.update({f"{key}rps": rate, f"{key}p50_ms": p50, f"{key}p95_ms": p95, f"{key}p99_ms": p99,
                        f"{key}errors": errors})
    return figures
