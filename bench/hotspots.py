"""Hotspot tables from a pyinstrument session: self time and inclusive time per file:function, in percent."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from services.common.settings import PROJECT_ROOT

_SITE = "site-packages/"


def _where(frame: Any) -> str:
    path = str(frame.file_path or "")
    if path.startswith(str(PROJECT_ROOT)):
        path = path[len(str(PROJECT_ROOT)) + 1 :]
    elif _SITE in path:
        path = path.split(_SITE, 1)[1]
    elif "/lib/python3" in path:
        path = "stdlib/" + path.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return f"{path}:{frame.function}"


def summarize(root: Any, top: int = 15) -> dict[str, Any]:
    """Self time (where the CPU is, or what is waited on) and inclusive time (which call paths cost) per
    file:function. Self time outside the product's code names the nearest product caller after an arrow,
    so "sqlalchemy/.../default.py:do_execute <- services/actions/projector/store.py:save" is SQL issued by `save`."""
    total = root.time or 1e-9
    own: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)

    def walk(frame: Any, on_stack: frozenset[str], caller: str, parent_name: str) -> None:
        if frame.is_synthetic:  # pyinstrument's [self] / [await] pseudo-frames: time of the parent itself
            own[parent_name] += frame.time
            return
        name = _where(frame)
        product = name.startswith("services/")
        label = name if product or not caller else f"{name} <- {caller}"
        own[label] += frame.total_self_time - sum(c.time for c in frame.children if c.is_synthetic)
        if name not in on_stack:  # recursion counts once
            inclusive[name] += frame.time
        for child in frame.children:
            walk(child, on_stack | {name}, name if product else caller, label)

    walk(root, frozenset(), "", "?")

    def table(values: dict[str, float]) -> list[dict[str, Any]]:
        ranked = sorted(values.items(), key=lambda kv: kv[1], reverse=True)[:top]
        return [{"where": k, "seconds": round(v, 3), "percent": round(100 * v / total, 1)} for k, v in ranked]

    product = {k: v for k, v in inclusive.items() if k.startswith("services/")}
    return {"total_s": round(total, 3), "self": table(own), "inclusive_product": table(product)}


def thread_cpu() -> dict[str, float]:
    """CPU seconds of every live thread of this process, by thread name (pyinstrument sees one thread)."""
    import threading

    import psutil

    names = {t.native_id: t.name for t in threading.enumerate()}
    return {
        f"{names.get(t.id, 'thread')}#{t.id}": round(t.user_time + t.system_time, 3) for t in psutil.Process().threads()
    }


def write_pyinstrument(profiler: Any, path: Path, threads_before: dict[str, float] | None = None) -> None:
    session = profiler.last_session
    summary = summarize(session.root_frame())
    before = threads_before or {}
    summary["threads_cpu_s"] = {k: round(v - before.get(k, 0.0), 3) for k, v in thread_cpu().items()}
    path.write_text(json.dumps(summary, indent=1))
    path.with_suffix(".txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))


def render(title: str, summary: dict[str, Any], top: int = 10) -> str:
    lines = [f"{title} (profiled {summary['total_s']:.1f} s)"]
    lines.append("  self time (where the CPU goes):")
    lines += [f"    {row['percent']:5.1f}%  {row['where']}" for row in summary["self"][:top]]
    lines.append("  inclusive, product code (which call paths cost):")
    lines += [f"    {row['percent']:5.1f}%  {row['where']}" for row in summary["inclusive_product"][:top]]
    return "\n".join(lines)
