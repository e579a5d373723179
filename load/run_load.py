"""`make load`: 20 simulated coders against gunicorn + PostgreSQL for 60 s, on 127.0.0.1.

    python load/run_load.py [--users 20] [--seconds 60] [--workers 4] [--threads 2]

1. Resets a dedicated PostgreSQL database (LOAD_POSTGRES_URL, default
   postgres://postgres@127.0.0.1:5432/casecoder_load): migrate, seed_demo, and the
   load-test coders load-coder-01 ... (members of the demo project as coders, with a
   password made for this run and never printed).
2. Runs collectstatic with production settings: DEBUG off, a SECRET_KEY made for this
   run, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0 (plain HTTP on loopback), the
   static files under var/load/static.
3. Starts gunicorn (config/gunicorn.conf.py) on a free loopback port, then locust
   headless in a second process (load/locustfile.py), which stops by itself.
4. Writes var/load/latest.json and prints requests per second, p50 / p95 / p99 and
   errors. gunicorn is shut down whatever happens (also on Ctrl+C).

Logs: var/load/setup.log, var/load/gunicorn.log, var/load/locust.log.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "load"
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("LOAD_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/casecoder_load")
USER_PREFIX = "load-coder-"

sys.path.insert(0, str(ROOT))
from bench.servers import free_port, production_environment, reset_database, stop, wait_until_up  # noqa: E402


def say(message: str) -> None:
    print(f"== {message}", flush=True)


def prepare(users: int, password: str, log, *, collect: bool = True) -> dict:
    """Migrate, load the demo, add the load-test coders, collect the static files; return
    the plan for the locustfile (the pages' URLs as the URL names give them now)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.urls import NoReverseMatch, reverse

    from apps.demo.loader import DEMO_SLUG
    from apps.projects.models import Project, Role
    from apps.projects.services import membership_set

    call_command("migrate", interactive=False, verbosity=1, stdout=log, stderr=log)
    call_command("seed_demo", stdout=log, stderr=log)
    project = Project.objects.get(slug=DEMO_SLUG)
    owner = project.memberships.filter(role=Role.OWNER).select_related("user").first().user
    names = [f"{USER_PREFIX}{i:02d}" for i in range(1, users + 1)]
    User = get_user_model()
    for name in names:
        user = User.objects.create_user(username=name, password=password, email=f"{name}@load.invalid")
        membership_set(project=project, user=user, role=Role.CODER, actor=owner)
    say(f"{len(names)} load-test coders added to {DEMO_SLUG!r}"
        + ("; collecting the static files (takes a while)" if collect else "; static files as collected before"))
    if collect:
        started = time.monotonic()
        call_command("collectstatic", interactive=False, verbosity=1, stdout=log, stderr=log)
        say(f"collectstatic took {time.monotonic() - started:.0f} s")

    def url(name: str, *args) -> str | None:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    pages = {
        "home": url("project_home", DEMO_SLUG),
        "transcript": url("transcript_detail", DEMO_SLUG, 999999),
        "retrieval": url("segment_list", DEMO_SLUG),
        "matrix": url("analysis_matrix", DEMO_SLUG),
    }
    try:
        api = f"{reverse('api:api-root')}projects/{DEMO_SLUG}"
    except NoReverseMatch:
        api = f"/api/projects/{DEMO_SLUG}"
    connections.close_all()
    return {"slug": DEMO_SLUG, "login": reverse("login"), "api": api,
            "pages": {k: v for k, v in pages.items() if v}, "usernames": names}


def sign_in_refused(status: int) -> str:
    """Why gunicorn's sign-in page failed, from its log (a missing static file is the usual cause)."""
    lines = (OUT / "gunicorn.log").read_text(errors="replace").strip().splitlines()
    last = next((line for line in reversed(lines) if "Error" in line), "")
    return (f"the sign-in page answered {status}: {last}; see {OUT / 'gunicorn.log'}"
            + (" (a template names a static file collected after the last collectstatic: run"
               " without --reuse-static)" if "manifest" in last else ""))


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU time of each process that still runs (Linux /proc; else empty)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def server_processes(master: int) -> list[int]:
    """gunicorn's master and workers, and the PostgreSQL backends of the load database."""
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    try:
        import dj_database_url
        import psycopg

        config = dj_database_url.parse(PG_URL)
        with psycopg.connect(host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432,
                             user=config["USER"] or "postgres", password=config["PASSWORD"] or None,
                             dbname=config["NAME"], connect_timeout=5) as conn:
            pids += [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
    except Exception:  # noqa: BLE001 - the figure is a bonus; the run does not depend on it
        pass
    return pids


def warm_up(base: str, workers: int) -> None:
    """A few requests first, so that every worker has loaded the URLs and templates, as a
    server in service has (not measured)."""
    for _ in range(workers * 4):
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=30) as response:
            response.read()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def table(result: dict) -> str:
    head = f"{'request':28} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    lines = [head, "-" * len(head)]

    def line(row: dict) -> str:
        return (f"{row['name'][:28]:28} {row['requests']:8d} {row['errors']:6d} {row['rps']:7.1f} {row['p50_ms']:7.0f}"
                f" {row['p95_ms']:7.0f} {row['p99_ms']:7.0f} {row['max_ms']:7.0f}")

    lines += [line(r) for r in result["requests"]]
    lines.append("-" * len(head))
    lines.append(line(result["total"]))
    lines.append(line(result["all_but_sign_in"]))
    lines.append(line(result["steady_state"]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python load/run_load.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 20)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", 60)))
    parser.add_argument("--spawn-rate", type=float, default=float(os.environ.get("LOAD_SPAWN_RATE", 5)),
                        help="simulated coders started per second")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOAD_WORKERS", 4)))
    parser.add_argument("--worker-class", default=os.environ.get("LOAD_WORKER_CLASS", "gthread"))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LOAD_THREADS", 2)))
    parser.add_argument("--reuse-static", action="store_true",
                        help="skip collectstatic and serve var/load/static as an earlier run left it")
    args = parser.parse_args()
    if args.users < 1 or args.seconds < 5:
        parser.error("needs at least 1 user and 5 seconds")
    try:
        locust_version = metadata.version("locust")
    except metadata.PackageNotFoundError:
        raise SystemExit("locust is not installed in this environment: .venv/bin/pip install -e '.[load]'")

    OUT.mkdir(parents=True, exist_ok=True)
    for stale in ("result.json", "plan.json"):
        (OUT / stale).unlink(missing_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_environment(PG_URL, OUT)
    os.environ.update(env)
    password = secrets.token_urlsafe(24)
    load_before = os.getloadavg()

    say(f"resetting the database {PG_URL.rsplit('/', 1)[1]}")
    pg_version = reset_database(PG_URL)
    with (OUT / "setup.log").open("w") as log:
        plan = prepare(args.users, password, log, collect=not args.reuse_static)
    (OUT / "plan.json").write_text(json.dumps(plan, indent=1))

    server = locust = None
    cpu_before = cpu_after = {}
    def on_signal(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        say(f"starting gunicorn on {base}: {args.workers} {args.worker_class} workers"
            + (f" x {args.threads} threads" if args.worker_class == "gthread" else ""))
        with (OUT / "gunicorn.log").open("w") as server_log:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(args.threads)],
                cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_up(f"{base}/accounts/login/", server, OUT / "gunicorn.log", seconds=90, refused=sign_in_refused)
        warm_up(base, args.workers)
        say(f"locust {locust_version}: {args.users} coders for {args.seconds} s, {args.spawn_rate:g} started per second")
        locust_env = {**env, "LOAD_PLAN": str(OUT / "plan.json"), "LOAD_PASSWORD": password,
                      "LOAD_RESULT": str(OUT / "result.json")}
        for name in ("SECRET_KEY", "DATABASE_URL"):
            locust_env.pop(name)
        cpu_before = cpu_seconds(server_processes(server.pid))
        with (OUT / "locust.log").open("w") as locust_log:
            locust = subprocess.Popen(
                [str(BIN / "locust"), "-f", str(ROOT / "load" / "locustfile.py"), "--headless", "--host", base,
                 "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.seconds}s",
                 "--stop-timeout", "10", "--only-summary"],
                cwd=ROOT, env=locust_env, stdout=locust_log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                locust.wait(timeout=args.seconds + 120)
            except subprocess.TimeoutExpired:
                say("locust did not stop in time; stopping it")
                stop(locust, grace=15, name="locust")
                return 1
        cpu_after = cpu_seconds(server_processes(server.pid))
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        stop(locust, grace=15, name="locust")
        stop(server, grace=35, name="gunicorn")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    result_file = OUT / "result.json"
    if not result_file.exists():
        print((OUT / "locust.log").read_text()[-3000:])
        raise SystemExit("locust wrote no result; see var/load/locust.log")
    result = json.loads(result_file.read_text())
    if result.get("start_up_failure"):
        raise SystemExit(f"locust could not start: {result['start_up_failure']}; see var/load/locust.log")
    server_cpu = sum(cpu_after.values()) - sum(v for pid, v in cpu_before.items() if pid in cpu_after)
    requests = result["total"]["requests"]
    result["server_cpu"] = {
        "seconds": round(server_cpu, 2),
        "ms_per_request": round(1000 * server_cpu / requests, 1) if requests else None,
        "note": "CPU time of gunicorn's processes and of the PostgreSQL backends of the load database during"
                " the run: unlike the latencies, it does not grow when other programs share the CPUs.",
    }
    report = {
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make load",
        "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "setup": {"users": args.users, "seconds": args.seconds, "spawn_rate": args.spawn_rate,
                  "gunicorn": {"version": metadata.version("gunicorn"), "workers": args.workers,
                               "worker_class": args.worker_class, "threads": args.threads},
                  "locust": locust_version, "postgresql": pg_version, "database": PG_URL.rsplit("/", 1)[1],
                  "settings": "DEBUG=0, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, whitenoise manifest"},
        **result,
    }
    (OUT / "latest.json").write_text(json.dumps(report, indent=1))
    print()
    print(table(report))
    for error in report["errors"]:
        print(f"  error x{error['occurrences']}: {error['method']} {error['name']}: {error['error']}")
    for skipped in report["skipped"]:
        print(f"  skipped: {skipped}")
    total, steady = report["total"], report["steady_state"]
    print(f"\n{total['requests']} requests in {report['duration_s']:.0f} s: {total['rps']:.1f} req/s, "
          f"p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms, p99 {total['p99_ms']:.0f} ms, "
          f"{total['errors']} errors. After the ramp-up ({report['ramp_up_s']:.0f} s, the sign-ins): "
          f"{steady['rps']:.1f} req/s, p50 {steady['p50_ms']:.0f} ms, p95 {steady['p95_ms']:.0f} ms, "
          f"p99 {steady['p99_ms']:.0f} ms. Server CPU: {report['server_cpu']['ms_per_request']} ms per request."
          f" Machine load average before/after: "
          f"{report['machine']['load_average_before'][0]:.1f} / {report['machine']['load_average_after'][0]:.1f}"
          f" on {os.cpu_count()} CPUs.")
    print(f"Report: {OUT / 'latest.json'}")
    return 1 if total["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
