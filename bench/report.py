"""Ratios to the raw limit, the printed table and bench/results.json."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.common import Figure, Results, fmt_value, target_text

RATIO_LEGEND = (
    "ratio to raw limit: 1.00 = as fast as the raw limit of this machine measured in the same run; "
    "rates: figure / raw end-to-end (chunked) docs/s; relay alone: figure / raw produce-stage docs/s "
    "(kafka-python, the same 1,000-document messages); bulk: raw time for the same documents / figure; "
    "latency: raw one-message p50/p99 / figure; counts: raw SELECT 1 p50/p99 / figure; "
    "GSTR-2B: raw PostgreSQL INSERT...SELECT time for the same rows / figure"
)


def assign_ratios(results: Results) -> None:
    raw = results.raw
    e2e = raw.get("chunked", {}).get("end_to_end_docs_per_s")
    latency = raw.get("single_message_latency", {})
    select = raw.get("select_1", {})
    copy = raw.get("insert_select", {})
    produce = raw.get("chunked", {}).get("stage_docs_per_s", {}).get("produce")
    for figure in results.figures:
        key = figure.key
        if key.startswith(("ingest_docs_per_s_", "ingest_relayed_docs_per_s_", "catchup_docs_per_s")) and e2e:
            _ratio(figure, figure.value / e2e, "figure / raw end-to-end docs/s")
        elif key.startswith("relay_docs_per_s_") and produce:
            _ratio(figure, figure.value / produce, "figure / raw produce-stage docs/s")
        elif key == "bulk_accept_visible_s" and e2e:
            documents = figure.details["runs"][0]["documents"]
            _ratio(figure, (documents / e2e) / figure.value, "raw time for the same documents / figure")
        elif key.startswith(("visible_p", "visible_low_p")) and latency:
            which = key.split("_")[-2]
            _ratio(figure, latency[f"{which}_ms"] / figure.value, f"raw one-message {which} / figure")
        elif key.startswith(("counts_p", "counts_http_p")) and select:
            which = key.split("_")[-2]
            _ratio(figure, select[f"{which}_ms"] / figure.value, f"raw SELECT 1 {which} / figure")
        elif key == "gstr2b_seconds" and copy:
            documents = figure.details["documents"]
            _ratio(figure, (documents / copy["rows_per_s"]) / figure.value, "raw INSERT...SELECT time / figure")


def _ratio(figure: Figure, value: float, basis: str) -> None:
    figure.ratio = value if math.isfinite(value) else None
    figure.ratio_basis = basis


def _met(figure: Figure) -> str:
    met = figure.met
    if met is None:
        return ""
    return "yes" if met else "NO"


def table(results: Results) -> str:
    header = ("figure", "value", "unit", "target", "met?", "ratio to raw limit")
    rows: list[tuple[str, ...]] = []
    group = None
    for figure in results.figures:
        if figure.group != group and rows:
            rows.append(("",) * len(header))
        group = figure.group
        ratio = "" if figure.ratio is None else f"{figure.ratio:.3f}" if figure.ratio < 0.1 else f"{figure.ratio:.2f}"
        rows.append(
            (
                figure.name,
                fmt_value(figure.value, figure.unit),
                figure.unit,
                target_text(figure),
                _met(figure),
                ratio,
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    align = ["<", ">", "<", "<", "<", ">"]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows), rule])


def summary(results: Results) -> str:
    targets = [f for f in results.figures if f.target is not None]
    missed = [f for f in targets if f.met is False]
    lines = [f"targets met: {len(targets) - len(missed)} of {len(targets)}"]
    lines += [
        f"  missed: {f.name.strip()}: {fmt_value(f.value, f.unit)} {f.unit} (target {target_text(f)})" for f in missed
    ]
    return "\n".join(lines)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write_json(results: Results, path: Path) -> None:
    data = results.to_json()
    data["ratio_legend"] = RATIO_LEGEND
    path.write_text(json.dumps(_clean(data), indent=1) + "\n")
