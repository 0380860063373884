"""The service's GSTR-2B JSON read back into the reference's terms (tests/support/gstr2b_oracle.py), and
every difference between the two as readable lines."""

from __future__ import annotations

from typing import Any

from tests.support.gstr2b_oracle import HEADS, TABLE4_ROWS, Expected, paise

NOTE_LISTS = frozenset({"cdnr", "cdnra", "isd", "isda"})
REDUCTION = ("declIgst", "declCgst", "declSgst", "declCess")


def heads_of(node: dict[str, Any]) -> dict[str, int]:
    """The four heads; a record GSTN gives fewer (a Bill of Entry: IGST and cess) has zero in the others."""
    return {h: paise(node.get(h, 0)) for h in HEADS}


def _record(listed: str, group: dict[str, Any], d: dict[str, Any]) -> dict[str, Any]:
    credit = d.get("doctyp") == "ISDC" if listed in ("isd", "isda") else d.get("typ") == "C"
    return {
        "itcavl": d.get("itcelg", d.get("itcavl")),
        "rsn": d.get("rsn", ""),
        "rev": d.get("rev"),
        "txval": paise(d["txval"]) if "txval" in d else None,
        "val": paise(d["val"]) if "val" in d else None,
        "supfildt": group.get("supfildt"),
        "supprd": group.get("supprd"),
        "credit": credit if listed in NOTE_LISTS else None,
        **heads_of(d),
        **({"itcRedReq": d["itcRedReq"]} if "itcRedReq" in d else {}),
        **{k: paise(d[k]) for k in REDUCTION if k in d},
    }


def service_lines(lists: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    """docdata / docRejdata → {(list, ctin, number): the record's figures}; a flat `impg` row has no ctin."""
    out: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for listed, groups in lists.items():
        if listed == "itcrev":
            continue
        for group in groups:
            records = (
                [group] if listed == "impg" else [d for k in ("inv", "nt", "doclist", "boe") for d in group.get(k, [])]
            )
            for d in records:
                number = str(d.get("inum") or d.get("ntnum") or d.get("boenum") or d.get("docnum"))
                key = (listed, group.get("ctin"), number)
                assert key not in out, f"{key} listed twice"
                out[key] = _record(listed, {} if listed == "impg" else group, d)
    return out


def service_cpsumm(cpsumm: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str | None, str | None], dict[str, Any]]:
    out: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for section, rows in cpsumm.items():
        if section == "itcrev":
            continue
        for row in rows:
            kind = row.get("nttyp") or row.get("doctyp") or row.get("portcode")
            key = (section, row["ctin"], kind)
            assert key not in out, f"cpsumm {key} twice"
            out[key] = {
                "ttldocs": int(row["ttldocs"]),
                "txval": paise(row["txval"]) if "txval" in row else None,
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
    for name, want_cp, have_cp in (
        ("cpsumm", expected.cpsumm, service_cpsumm(body["data"]["cpsumm"])),
        ("cpSummRej", expected.cpsumm_rejected, service_cpsumm(body["data"]["cpSummRej"])),
    ):
        for cp_key in sorted(set(want_cp) | set(have_cp), key=str):
            if want_cp.get(cp_key) != have_cp.get(cp_key):
                problems.append(
                    f"{name}{list(cp_key)} (list, ctin, nttyp / doctyp / portcode): expected {want_cp.get(cp_key)}, "
                    f"got {have_cp.get(cp_key)}"
                )
    return problems
