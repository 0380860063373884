"""The service's GSTR-2B JSON read back into the reference's terms (tests/support/gstr2b_oracle.py), and
every difference between the two as readable lines."""

from __future__ import annotations

from typing import Any

from tests.support.gstr2b_oracle import HEADS, NOTE_LEAVES, TABLE4_ROWS, Expected, paise


def heads_of(node: dict[str, Any]) -> dict[str, int]:
    return {h: paise(node[h]) for h in HEADS}


def service_lines(
    groups_by_section: dict[str, list[dict[str, Any]]],
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """docdata / docRejdata → {(section, ctin, number): the line's figures}."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for section, groups in groups_by_section.items():
        for group in groups:
            docs = [d for key in ("inv", "nt", "doclist", "boe") for d in group.get(key, [])]
            for d in docs:
                number = d.get("inum") or d.get("ntnum") or d.get("boenum") or d.get("docnum")
                key = (section, group["ctin"], number)
                assert key not in out, f"{key} listed twice"
                out[key] = {
                    "itcavl": d.get("itcavl"),
                    "rsn": d.get("rsn"),
                    "txval": paise(d["txval"]),
                    "val": paise(d["val"]),
                    "supfildt": group.get("supfildt"),
                    "supprd": group.get("supprd"),
                    "credit": (d.get("doctyp") or d.get("typ")) == "C" if section in NOTE_LEAVES else None,
                    **heads_of(d),
                }
    return out


def service_cpsumm(
    cpsumm: dict[str, list[dict[str, Any]]],
) -> dict[tuple[str, str, str | None], dict[str, int]]:
    out: dict[tuple[str, str, str | None], dict[str, int]] = {}
    for section, rows in cpsumm.items():
        for row in rows:
            out[(section, row["ctin"], row.get("nttyp"))] = {
                "ttldocs": int(row["ttldocs"]),
                "txval": paise(row["txval"]),
                **heads_of(row),
            }
    return out


def compare(expected: Expected, body: dict[str, Any]) -> list[str]:
    """Every difference between the reference and the service's GSTR-2B JSON, as readable lines."""
    problems: list[str] = []
    summ = body["data"]["itcsumm"]
    for (b, k, leaf), heads in expected.leaves.items():
        try:
            got = heads_of(summ[b][k][leaf])
        except KeyError as exc:
            problems.append(f"itcsumm.{b}.{k}.{leaf}: missing ({exc})")
            continue
        if got != heads:
            problems.append(f"itcsumm.{b}.{k}.{leaf}: expected {heads}, got {got}")
    for (b, k), heads in expected.buckets.items():
        if k in summ.get(b, {}) and (got := heads_of(summ[b][k])) != heads:
            problems.append(f"itcsumm.{b}.{k} (bucket total): expected {heads}, got {got}")
    for row in TABLE4_ROWS:
        got = heads_of(body["gstr3b_table4"][row])
        if got != expected.table4[row]:
            problems.append(f"gstr3b_table4.{row}: expected {expected.table4[row]}, got {got}")
    for name, want, have in (
        ("docdata", expected.docdata, service_lines(body["data"]["docdata"])),
        ("docRejdata", expected.rejected, service_lines(body["data"]["docRejdata"])),
    ):
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                problems.append(f"{name}{list(key)}: expected {want.get(key)}, got {have.get(key)}")
    have_cp = service_cpsumm(body["data"]["cpsumm"])
    for cp_key in sorted(set(expected.cpsumm) | set(have_cp), key=str):
        if expected.cpsumm.get(cp_key) != have_cp.get(cp_key):
            problems.append(
                f"cpsumm{list(cp_key)} (section, ctin, nttyp): expected {expected.cpsumm.get(cp_key)}, "
                f"got {have_cp.get(cp_key)}"
            )
    return problems
