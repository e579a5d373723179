"""Importing one 20 MB text file (issue 15): the time and the peak memory of the whole
import path (decode, normalise, split into turns, checksum, pseudonymise, store the
transcript and its turns), through the same service as the upload page and the command.

The import runs in a fresh Python process, so that its peak resident memory
(resource.getrusage ru_maxrss) is the import's own and not that of the modules run
before it. The file is written first, like a government transcript: a byte order mark,
Windows line ends, labelled turns with names to pseudonymise. Targets: under 10 s and
under 400 MB. The search index of a text this long is built by the task worker after the
import committed; the bench runs that job afterwards and reports it on its own line.

    python -m bench --only large_import --databases sqlite
"""
from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.imports import VOCABULARY

TARGET_BYTES = 20_000_000
NAMES = [("Ivan Petrov", "E3"), ("Anna Smirnova", "E9")]
TARGET_SECONDS, TARGET_MB = 10, 400


def write_file(path: Path, size: int = TARGET_BYTES, seed: int = 15) -> None:
    """About `size` bytes of interview: short questions, long answers, the names sometimes."""
    rng = random.Random(seed)
    written = 0
    with path.open("wb") as out:
        out.write(b"\xef\xbb\xbf")
        i = 0
        while written < size:
            speaker = "Interviewer" if i % 2 == 0 else "Ivan Petrov"
            words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 20) if i % 2 == 0 else rng.randint(60, 160))]
            if i % 7 == 0:
                words.insert(rng.randrange(len(words)), "Anna Smirnova")
            line = f"{speaker}: {' '.join(words).capitalize()}.\r\n\r\n".encode()
            out.write(line)
            written += len(line)
            i += 1


def measure(path: str) -> dict:
    """In the fresh process: import the file once, and say how long and how much memory."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from apps.projects.services import project_create
    from apps.transcripts.services import ImportFile, transcript_import_files

    User = get_user_model()
    # No password: hashing one (Argon2) takes 100 MB, which would count as the import's.
    user = User.objects.filter(username="bench-importer").first() or User.objects.create_user("bench-importer")
    project = project_create(name=f"Bench large import {time.time_ns()}", owner=user)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    file = Path(path)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with connection.execute_wrapper(count):
        [result] = transcript_import_files(project=project, actor=user, mapping=NAMES, files=[
            ImportFile(file.name, file.stat().st_size, file.read_bytes, allow_duplicate=True)])
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - cpu0
    assert result.status == "stored", result.reason
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the import's, before the index job
    # A text this long is indexed for the search by the task worker after the import
    # committed (apps/search/services.py, INDEX_LATER_CHARS): run that job here, as a worker would.
    from apps.projects.models import Job
    from apps.search.selectors import SEARCH_INDEX
    from apps.search.tasks import passages_index_task

    job = Job.objects.get(kind=SEARCH_INDEX, project=project)
    t0 = time.perf_counter()
    passages_index_task.call(job_id=job.pk, transcript_id=result.transcript.pk)
    index_seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "index_seconds": index_seconds, "peak_mb": peak_mb,
            "before_mb": before_mb, "queries": queries, "turns": result.transcript.turns.count(),
            "megabytes": file.stat().st_size / 1e6}


def run(report) -> None:
    out = Path(__file__).resolve().parent.parent / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "large-import.txt"
    write_file(path)
    # Through a small launcher: a process started straight from this one would inherit its
    # peak memory in ru_maxrss (Linux carries the high-water mark of the memory a process
    # had before exec), and report this process's modules and data as the import's.
    launcher = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    child = subprocess.run([sys.executable, "-c", launcher, sys.executable, "-m", "bench.large_import", str(path)],
                           env=os.environ.copy(), capture_output=True, text=True)
    if child.returncode:
        raise RuntimeError(f"the import process failed:\n{child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    scale = report.scales[0] if report.scales else "1x"
    report.add(f"import a {figures['megabytes']:.0f} MB .txt ({figures['turns']:,} turns)", scale,
               samples_ms=[figures["seconds"] * 1000], queries=figures["queries"], peak_mb=figures["peak_mb"])
    report.add("then index it for the search (task worker, after the import)", scale,
               samples_ms=[figures["index_seconds"] * 1000])
    verdict = "within" if figures["seconds"] < TARGET_SECONDS and figures["peak_mb"] < TARGET_MB else "OVER"
    print(f"  {figures['seconds']:.1f} s ({figures['cpu_seconds']:.1f} s of CPU in this process), peak {figures['peak_mb']:.0f} MB (of which {figures['before_mb']:.0f} MB "
          f"before the import): {verdict} the targets of {TARGET_SECONDS} s and {TARGET_MB} MB", flush=True)


if __name__ == "__main__":
    # python -m bench.large_import FILE [--profile]: one measured import (--profile: where
    # the time goes, on stderr; the figures are then inflated by the profiler).
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        figures = profiler.runcall(measure, sys.argv[1])
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        figures = measure(sys.argv[1])
    print(json.dumps(figures))
