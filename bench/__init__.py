"""`make bench`: time every operation the issues name, on SQLite and PostgreSQL.

Each module in this package exposes `run(report)`; `report.add(...)` records one
operation's samples. The runner starts one child process per database (Django is set up
once per process), merges their rows into var/bench/latest.json and prints a table and
how each cost grows from 1x to 10x to 100x.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field

MODULES = ["request_floor", "workspace", "analysis", "comparison", "exports", "imports", "large_import", "search", "suggestions",
           "transcription"]


@dataclass
class Row:
    module: str
    operation: str
    scale: str
    database: str
    median_ms: float
    p95_ms: float
    queries: int
    runs: int
    peak_mb: float | None = None  # peak resident memory of the process that ran it, when measured
    rtf: float | None = None  # real-time factor of a transcription: seconds of work per second of audio
    ratio: float | None = None  # this median over another row's, when the two were measured interleaved


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Report:
    database: str
    scales: list[str] = field(default_factory=lambda: ["1x", "10x"])
    rows: list[Row] = field(default_factory=list)
    module: str = ""  # the bench module now running (set by the runner)

    def add(self, operation: str, scale: str, database: str | None = None, samples_ms: list[float] = (),
            queries: int = 0, peak_mb: float | None = None, rtf: float | None = None,
            ratio_to: Row | None = None) -> Row:
        """`ratio_to`: a row measured in the same rounds; the ratio of the medians is kept."""
        samples = list(samples_ms)
        row = Row(module=self.module, operation=operation, scale=scale, database=database or self.database,
                  median_ms=round(statistics.median(samples), 3) if samples else 0.0,
                  p95_ms=round(percentile(samples, 0.95), 3), queries=int(queries), runs=len(samples),
                  peak_mb=round(peak_mb, 1) if peak_mb is not None else None,
                  rtf=round(rtf, 3) if rtf is not None else None)
        if ratio_to is not None and ratio_to.median_ms:
            row.ratio = round(row.median_ms / ratio_to.median_ms, 3)
        self.rows.append(row)
        memory = f"  peak {row.peak_mb:.0f} MB" if row.peak_mb is not None else ""
        memory += f"  real-time factor {row.rtf:.3f}" if row.rtf is not None else ""
        memory += f"  ratio {row.ratio:.3f}" if row.ratio is not None else ""
        print(f"  {row.database:9} {row.scale:5} {row.operation:42} median {row.median_ms:9.2f} ms"
              f"  p95 {row.p95_ms:9.2f} ms  queries {row.queries}{memory}", flush=True)
        return row

    def as_json(self) -> list[dict]:
        return [asdict(r) for r in self.rows]


def timed(fn, repeat: int) -> list[float]:
    """Wall-clock samples of `fn()` in milliseconds."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples
