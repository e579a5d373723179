"""python -m bench [--databases sqlite,postgres] [--scales 1x,10x,100x] [--only workspace,analysis] [--update]"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from . import MODULES, Report
from .servers import remove_sqlite

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/casecoder_bench")


def child(database: str, scales: list[str], only: list[str]) -> None:
    """Run the modules against one fresh database, in this process."""
    if database == "sqlite":
        path = OUT / "bench.sqlite3"
        remove_sqlite(path)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        os.environ["DATABASE_URL"] = PG_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production settings, as a deployment serves the pages (docs/deploy.md): DEBUG off,
    # static files from the manifest. Plain HTTP: the test client is the only client here.
    os.environ.update(DEBUG="0", SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
                      ALLOWED_HOSTS="testserver,127.0.0.1", SECURE_SSL_REDIRECT="0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)

    if database == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    report = Report(database=database, scales=scales)
    for name in only:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"bench.{name}":
                print(f"  (no bench/{name}.py yet)")
                continue
            raise
        print(f"== {name} on {database}", flush=True)
        report.module = name
        module.run(report)
    (OUT / f"rows-{database}.json").write_text(json.dumps(report.as_json(), indent=1))


def postgres_reachable() -> bool:
    return shutil.which("pg_isready") is not None and subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def ensure_pg_database() -> None:
    name = PG_URL.rsplit("/", 1)[1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", f"CREATE DATABASE {name}"],
                   capture_output=True)


def growth(rows: list[dict]) -> list[str]:
    """How each operation's median grows from the smallest to the larger scales."""
    lines = []
    by_key: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        by_key.setdefault((r["operation"], r["database"]), {})[r["scale"]] = r["median_ms"]
    for (operation, database), scales in sorted(by_key.items()):
        if len(scales) < 2 or "1x" not in scales or not scales["1x"]:
            continue
        steps = ", ".join(f"{s} x{scales[s] / scales['1x']:.1f}" for s in ("10x", "100x") if s in scales)
        lines.append(f"  {operation} ({database}): 1x {scales['1x']:.1f} ms; {steps}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "1x,10x"))
    parser.add_argument("--only", default=",".join(MODULES))
    parser.add_argument("--update", action="store_true",
                        help="keep the rows of the last report that this run does not measure (other modules or "
                             "databases) instead of starting a new report")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scales = [s for s in args.scales.split(",") if s]
    only = [m for m in args.only.split(",") if m]
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args.child, scales, only)
        return
    rows: list[dict] = []
    databases = [d for d in args.databases.split(",") if d]
    if args.update and (OUT / "latest.json").exists():
        rows = [r for r in json.loads((OUT / "latest.json").read_text())
                if not (r.get("module") in only and r["database"] in databases and r["scale"] in scales)]
    for database in databases:
        if database == "postgres":
            if not postgres_reachable():
                print("PostgreSQL is not reachable on 127.0.0.1:5432; skipping it.")
                continue
            ensure_pg_database()
        subprocess.run([sys.executable, "-m", "bench", "--child", database, "--scales", ",".join(scales),
                        "--only", ",".join(only)], cwd=ROOT, check=True)
        rows += json.loads((OUT / f"rows-{database}.json").read_text())
    report = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
        "rows": rows,
    }
    (OUT / "latest.json").write_text(json.dumps(rows, indent=1))
    (OUT / "latest-with-machine.json").write_text(json.dumps(report, indent=1))
    print(f"\n{'operation':44} {'scale':5} {'database':9} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for r in rows:
        ratio = f"  ratio {r['ratio']:.3f}" if r.get("ratio") is not None else ""
        print(f"{r['operation']:44} {r['scale']:5} {r['database']:9} {r['median_ms']:10.2f} {r['p95_ms']:10.2f}"
              f" {r['queries']:8}{ratio}")
    lines = growth(rows)
    if lines:
        print("\nGrowth of the median from 1x:")
        print("\n".join(lines))
    print(f"\nReport: {OUT / 'latest.json'}")


if __name__ == "__main__":
    main()
