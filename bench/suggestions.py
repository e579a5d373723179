"""Benchmark of the suggestions on the demo study: training and ranking one code (Russian
interest, the whole project's uncoded sentences) as the API does, and the engine as a
coder, each transcript held out in turn, printing per-code precision@10 and recall.

    python -m bench --only suggestions --scales 1x --databases sqlite
"""
from __future__ import annotations

import time


def run(report, scales=None) -> None:
    from apps.coding.models import Code
    from apps.coding.selectors import primary_coder
    from apps.demo.loader import load_demo
    from apps.suggestions.selectors import engine_held_out, suggestions_for_code
    from bench import timed
    from bench.workspace import count_queries

    project, _ = load_demo()
    code = Code.objects.get(project=project, name="Russian interest")
    samples = timed(lambda: suggestions_for_code(project=project, code=code, limit=20), repeat=5)
    report.add("suggestions: train and rank one code", "1x", samples_ms=samples,
               queries=count_queries(lambda: suggestions_for_code(project=project, code=code, limit=20)))
    t0 = time.perf_counter()
    rows = engine_held_out(project=project, coder_id=primary_coder(project=project)[0])
    report.add("suggestions: held-out evaluation, every code", "1x",
               samples_ms=[(time.perf_counter() - t0) * 1000])
    for row in rows:
        p10 = f"{row.precision_at_10:.2f}" if row.precision_at_10 is not None else "-"
        recall = f"{row.recall:.2f}" if row.recall is not None else "-"
        print(f"    {row.code.name[:36]:36} examples {row.examples:3}  precision@10 {p10:>4}  recall {recall:>4}",
              flush=True)
