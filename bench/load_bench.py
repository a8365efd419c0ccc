"""Bounded concurrent load test of tidu under gunicorn with the repository's production config (run on demand).

    DATABASE_URL=postgres://user@host:5432/NAME .venv/bin/python bench/load_bench.py [--size 10000] [--clients 20]
        [--duration 60]

Creates a scratch database ``NAME_load`` (dropped at the end; ``NAME`` itself is not touched), migrates it, builds a
call through the project's services and grows it to ``--size`` applications with ``tidu.testing.clone_applications``
(as ``pages_bench.py``), collects the static files, and starts gunicorn with ``deploy/gunicorn.conf.py`` (its
workers, timeout, keep-alive; DEBUG=0, ``DATABASE_CONN_MAX_AGE`` as in ``deploy/tidu.env.example``) serving
``bench/load_wsgi.py``: tidu plus the auth floor. Then ``--clients`` threads, each with its own keep-alive
connection and the city officer's session, request one URL for ``--duration`` seconds: first the auth floor, then
the intake list (page 1). Prints, per URL, requests served, throughput, p50/p95 latency and errors (any answer
but 200, or a timeout / dropped connection), and the intake's throughput as a share of the floor's (target ≥ 25 %).
The clients run in this process (threads; they mostly wait on the socket): on a small machine they share its
cores with the server, which the floor run measures the same way.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _scratch_url(url: str, suffix: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + name)), admin, name


def _admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


def _prepare(size: int, static_root: str) -> dict:
    """Migrate, build the call and its copies, collect static; return the URLs and the city officer's cookie."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    sys.path.insert(0, str(ROOT / "bench"))
    from pages_bench import _build

    from tidu import testing as build

    start = time.perf_counter()
    world = _build(20)
    build.clone_applications(world["template"], size - 1, units=world["units"], serial_from=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {size:,} applications in {time.perf_counter() - start:.1f} s; static files in {static_root}")
    client = Client()
    client.force_login(world["city"])
    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
            "intake": reverse("review:intake") + f"?call={world['call'].code}"}


def _client(host: str, port: int, url: str, cookie: str, until: float, results: list, timeout: float) -> None:
    connection = None
    while time.perf_counter() < until:
        if connection is None:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        start = time.perf_counter()
        try:
            connection.request("GET", url, headers={"Cookie": cookie, "Host": host})
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = None
        results.append((time.perf_counter() - start, status))
    if connection is not None:
        connection.close()


def _run(host: str, port: int, url: str, cookie: str, clients: int, duration: float, timeout: float) -> dict:
    results: list = []
    until = time.perf_counter() + duration
    start_cpu = os.times()
    threads = [threading.Thread(target=_client, args=(host, port, url, cookie, until, results, timeout))
               for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    end_cpu = os.times()
    ok = sorted(seconds for seconds, status in results if status == 200)
    errors = len(results) - len(ok)
    quantile = (lambda q: ok[min(len(ok) - 1, int(q * len(ok)))] * 1000) if ok else (lambda q: float("nan"))
    return {"served": len(ok), "errors": errors, "rps": len(ok) / elapsed, "p50": quantile(0.50),
            "p95": quantile(0.95), "median": statistics.median(ok) * 1000 if ok else float("nan"),
            "elapsed": elapsed, "client_cpu": (end_cpu.user + end_cpu.system) - (start_cpu.user + start_cpu.system),
            "statuses": sorted({status for _, status in results if status != 200})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000, help="applications in the call")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=60, help="seconds per URL")
    parser.add_argument("--timeout", type=float, default=60, help="client timeout per request, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (the scratch one is made next to it)")
    scratch, admin, name = _scratch_url(base_url, "_load")
    work = Path(tempfile.mkdtemp(prefix="tidu-load-"))
    env = {
        "DATABASE_URL": scratch, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0",
        "SECRET_KEY": secrets.token_urlsafe(48), "STATIC_ROOT": str(work / "static"), "MEDIA_ROOT": str(work / "media"),
        "TIDU_VAR_DIR": str(work / "var"), "DATABASE_CONN_MAX_AGE": "60", "LOG_FORMAT": "json",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        # The officer is signed in with a session made here (no TOTP): the second factor has its own tests.
        "TIDU_OTP_REQUIRED_ROLES": "",
        # The demo clock puts "now" inside the call window, as the production smoke does.
        "TIDU_NOW": "2026-02-20T10:00:00+08:00",
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tidu.settings"
    print(f"tidu load bench · {os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.2f} at start · "
          f"scratch database {name}")
    _admin(admin, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(admin, f'CREATE DATABASE "{name}"')
    server = None
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115 (closed at the end)
    try:
        prepared = _prepare(args.size, env["STATIC_ROOT"])
        port = _free_port()
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "bench.load_wsgi:application"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        _wait_healthy(f"http://127.0.0.1:{port}")
        workers = os.environ.get("GUNICORN_WORKERS") or f"{(os.cpu_count() or 1) * 2 + 1} (2 × cores + 1)"
        print(f"gunicorn -c deploy/gunicorn.conf.py: {workers} sync workers, timeout 60 s, DATABASE_CONN_MAX_AGE=60; "
              f"{args.clients} clients × {args.duration:.0f} s per URL")
        rows = {}
        for label, url in (("auth floor", "/bench-floor/"), ("intake, page 1", prepared["intake"])):
            _run("127.0.0.1", port, url, prepared["cookie"], args.clients, 3, args.timeout)  # every worker warms up
            load = os.getloadavg()[0]
            rows[label] = result = _run("127.0.0.1", port, url, prepared["cookie"], args.clients, args.duration,
                                        args.timeout)
            print(f"{label:<16} load {load:5.2f}  {result['served']:>6} served  {result['rps']:>7.1f} req/s  "
                  f"p50 {result['p50']:>7.1f} ms  p95 {result['p95']:>7.1f} ms  errors {result['errors']}"
                  f"{' ' + str(result['statuses']) if result['statuses'] else ''}  "
                  f"(clients' CPU {result['client_cpu']:.1f} s)")
        share = rows["intake, page 1"]["rps"] / rows["auth floor"]["rps"]
        print(f"\nintake throughput = {share:.1%} of the floor's (target ≥ 25 %): "
              f"{'met' if share >= 0.25 else 'MISSED'} · load average {os.getloadavg()[0]:.2f} at the end")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"gunicorn log: {work / 'gunicorn.log'}")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(base: str) -> None:
    for _ in range(120):
        try:
            with urllib.request.urlopen(base + "/bench-floor/", timeout=5) as response:
                if response.status in (200, 302):
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"gunicorn gave no answer at {base} within 120 s")


if __name__ == "__main__":
    main()
