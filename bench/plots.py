"""`python -m bench.plots [RESULTS.json] [OUT_DIR]`: the figures of one bench run as PNG charts (matplotlib).

`make bench` writes them to `bench/out/` after `bench/results.json`; each chart reads only that file, so a
committed run can be drawn again. Every chart keeps what the table prints beside each figure: its target and
its ratio to the raw limit of the same machine measured in the same run, and the CPU other processes took
while the stage ran (a figure measured on a busy machine says so on the chart).

- `throughput.png`: every docs/s figure, with its target and the raw end-to-end limit as lines;
- `latency.png`: every latency figure (ms, log scale), with its target;
- `seconds.png`: figures measured in seconds (bulk visible, GSTR-2B, replay), with their targets;
- `memory.png`: the peak RSS of each measured process;
- `stages.png`: wall seconds per stage, and the share of the CPUs other processes used meanwhile.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no screen on the machines that run the bench

import matplotlib.pyplot as plt  # after choosing the backend

RESULTS = Path(__file__).resolve().parent / "results.json"
OUT = Path(__file__).resolve().parent / "out"
BAR, TARGET, RAW, BUSY = "#0a58ca", "#b02a37", "#198754", "#adb5bd"


def write_plots(results: dict[str, Any], out: Path = OUT) -> list[Path]:
    """Every chart the run has figures for; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    figures = results.get("figures", [])
    mode = results.get("mode", "")
    charts: list[tuple[str, Callable[[], Any]]] = [
        ("throughput.png", lambda: _bars(figures, "docs/s", f"Throughput ({mode} run)", _raw_e2e(results))),
        ("latency.png", lambda: _bars(figures, "ms", f"Latency ({mode} run)", None, log=True)),
        ("seconds.png", lambda: _bars(figures, "s", f"Time taken ({mode} run)", None)),
        ("memory.png", lambda: _memory(results.get("peak_rss_mb", {}), mode)),
        ("stages.png", lambda: _stages(results.get("stage_seconds", {}), results.get("cpu", {}), mode)),
    ]
    written = []
    for name, draw in charts:
        drawn = draw()
        if drawn is None:
            continue
        drawn.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(drawn)
        written.append(out / name)
    return written


def _raw_e2e(results: dict[str, Any]) -> float | None:
    value = results.get("raw_limit", {}).get("chunked", {}).get("end_to_end_docs_per_s")
    return float(value) if value else None


def _bars(figures: list[dict[str, Any]], unit: str, title: str, raw: float | None, log: bool = False) -> Any:
    chosen = [f for f in figures if f.get("unit") == unit and f.get("value") == f.get("value")]
    if not chosen:
        return None
    names = [f["name"].strip() for f in chosen]
    figure, axes = plt.subplots(figsize=(10, 0.45 * len(chosen) + 1.6))
    rows = range(len(chosen))
    axes.barh(rows, [f["value"] for f in chosen], color=BAR, label="measured")
    for row, f in zip(rows, chosen, strict=True):
        if f.get("target") is not None:
            axes.plot([f["target"]] * 2, [row - 0.4, row + 0.4], color=TARGET, linewidth=2)
        label = f"{f['value']:,.1f}"
        if f.get("ratio") is not None:
            label += f"  ({f['ratio']:.2f} of raw)"
        if f.get("met") is False:
            label += "  target missed"
        axes.annotate(label, (f["value"], row), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    axes.plot([], [], color=TARGET, linewidth=2, label="target")
    if raw is not None:
        axes.axvline(raw, color=RAW, linestyle="--", label=f"raw end-to-end limit {raw:,.0f} {unit}")
    axes.set_yticks(list(rows), names, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(unit)
    if log:
        axes.set_xscale("log")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    return figure


def _memory(peaks: dict[str, float], mode: str) -> Any:
    if not peaks:
        return None
    figure, axes = plt.subplots(figsize=(10, 0.45 * len(peaks) + 1.6))
    rows = range(len(peaks))
    axes.barh(rows, list(peaks.values()), color=BAR)
    for row, value in zip(rows, peaks.values(), strict=True):
        axes.annotate(f"{value:,.0f} MB", (value, row), xytext=(4, 0), textcoords="offset points", va="center")
    axes.set_yticks(list(rows), list(peaks), fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("peak RSS, MB")
    axes.set_title(f"Peak memory ({mode} run)")
    return figure


def _stages(seconds: dict[str, float], cpu: dict[str, dict[str, float]], mode: str) -> Any:
    stages = [name for name in seconds if name != "total"]
    if not stages:
        return None
    figure, (wall, busy) = plt.subplots(1, 2, figsize=(12, 0.45 * len(stages) + 1.6), sharey=True)
    rows = range(len(stages))
    wall.barh(rows, [seconds[s] for s in stages], color=BAR)
    wall.set_yticks(list(rows), stages, fontsize=8)
    wall.invert_yaxis()
    wall.set_xlabel("wall seconds")
    wall.set_title(f"Stages ({mode} run)")
    shares = [cpu.get(s, {}).get("other_processes_cpus", 0.0) for s in stages]
    busy.barh(rows, shares, color=BUSY)
    busy.set_xlabel("CPUs used by other processes meanwhile")
    busy.set_title("Was the machine idle?")
    return figure


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else RESULTS
    out = Path(args[1]) if len(args) > 1 else OUT
    for path in write_plots(json.loads(source.read_text()), out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
