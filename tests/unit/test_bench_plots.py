"""`make bench` draws its figures (bench/plots.py): each chart is written from results.json alone, shows the
figures of its unit, and is a real picture (a PNG with more than a background)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from bench.plots import write_plots

RESULTS = {
    "mode": "quick",
    "figures": [
        {"key": "ingest_docs_per_s_1000", "name": "ingest 1,000 docs", "value": 41000.0, "unit": "docs/s",
         "target": 100000.0, "ratio": 2.1, "met": False},
        {"key": "catchup_docs_per_s", "name": "projector catch-up", "value": 12000.0, "unit": "docs/s",
         "target": 50000.0, "ratio": 0.6, "met": False},
        {"key": "visible_p99_ms", "name": "filing to visible p99", "value": 420.0, "unit": "ms", "target": 500.0,
         "ratio": 0.05, "met": True},
        {"key": "gstr2b_seconds", "name": "GSTR-2B of 20,000 docs", "value": 0.4, "unit": "s", "target": 0.3,
         "ratio": 0.8, "met": False},
    ],
    "raw_limit": {"chunked": {"end_to_end_docs_per_s": 19500.0}},
    "peak_rss_mb": {"ingest worker (1,000 docs)": 310.0, "api": 180.0},
    "stage_seconds": {"raw limit": 12.0, "ingest": 30.5, "total": 42.5},
    "cpu": {"raw limit": {"other_processes_cpus": 0.1}, "ingest": {"other_processes_cpus": 0.8}},
}  # fmt: skip


def test_every_chart_is_drawn_from_the_results_alone(tmp_path: Path) -> None:
    written = write_plots(RESULTS, tmp_path)
    assert [p.name for p in written] == ["throughput.png", "latency.png", "seconds.png", "memory.png", "stages.png"]
    for path in written:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 600
            assert len(image.convert("RGB").getcolors(1 << 20) or []) > 20, f"{path.name} looks blank"


def test_a_run_without_figures_of_a_kind_draws_no_chart_of_it(tmp_path: Path) -> None:
    only_memory = {"mode": "quick", "figures": [], "peak_rss_mb": {"api": 180.0}}
    assert [p.name for p in write_plots(only_memory, tmp_path)] == ["memory.png"]
