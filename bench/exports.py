"""Benchmark of the exports: the thesis appendix as DOCX and XLSX, and REFI-QDA
export_qdpx / import_qdpx, on the synthetic projects of bench/analysis.py (1x: 7
transcripts of 9,000 words, 300 segments each, 12 codes, 4 cases; 10x: 70 transcripts).

The appendix takes every code, case, expert and coder (the largest appendix). The import
writes the segments in bulk (coding.services.segments_create_bulk, each checked as
segment_create checks it, with its activity record); it runs once per scale above 1x.
Targets (issue #19): 1x under 3 s, 10x under 30 s.

    python -m bench --only exports --scales 1x,10x
"""
from __future__ import annotations

import io
import time

from bench.analysis import SCALES, TRANSCRIPTS_1X, build


def run(report, scales=None) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from apps.exports.appendix import render_appendix
    from apps.exports.refiqda.writer import write_qdpx
    from apps.exports.selectors import AppendixSelection, appendix_data
    from apps.exports.services import qdpx_import
    from bench import timed

    for scale in scales or report.scales:
        factor = SCALES[scale]
        if factor > 10:
            print(f"  exports: {scale} skipped (the import alone would take many minutes)", flush=True)
            continue
        t0 = time.perf_counter()
        project, _ = build(scale=scale, transcripts=TRANSCRIPTS_1X * factor)
        print(f"  built {scale} in {time.perf_counter() - t0:.1f} s", flush=True)
        repeat = 3 if factor == 1 else 2

        def appendix(fmt):
            return lambda: render_appendix(appendix_data(project=project, selection=AppendixSelection()), fmt)

        def export():
            out = io.BytesIO()
            write_qdpx(project, out)
            return out.getvalue()

        for name, fn in (("exports: appendix DOCX (all excerpts)", appendix("docx")),
                         ("exports: appendix XLSX (all excerpts)", appendix("xlsx")),
                         ("exports: export_qdpx", export)):
            reset_queries()  # the log keeps 9,000 queries; a full log would count none
            with CaptureQueriesContext(connection) as queries:
                fn()
            report.add(name, scale, samples_ms=timed(fn, repeat), queries=len(queries))

        data = export()

        def import_once():
            # Each run creates a new project; the bench database is fresh per run, so they stay.
            qdpx_import(data=data, user=project.created_by, project_name=f"Bench import {scale}")

        samples = timed(import_once, 2 if factor == 1 else 1)
        report.add("exports: import_qdpx", scale, samples_ms=samples, queries=0)
