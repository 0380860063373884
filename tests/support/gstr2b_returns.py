"""Builders of GSTN-shaped returns and SAVE requests for GSTR-2B tests on the live stack, and readers of the
statement they produce (exact decimals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

HEADS = ("igst", "cgst", "sgst", "cess")
ZERO = (0, 0, 0, 0)


def D(text: str | int) -> Decimal:
    return Decimal(text)


def _row(txval: str, rate: int, iamt: str = "0", camt: str = "0", samt: str = "0", csamt: str = "0") -> dict:
    return {
        "num": 1,
        "itm_det": {
            "rt": rate,
            "txval": D(txval),
            "iamt": D(iamt),
            "camt": D(camt),
            "samt": D(samt),
            "csamt": D(csamt),
        },
    }


def inv(inum: str, idt: str, txval: str, rate: int, pos: str = "29", rchrg: str = "N", **heads_and_extra: str) -> dict:
    heads = {k: heads_and_extra.pop(k) for k in ("iamt", "camt", "samt", "csamt") if k in heads_and_extra}
    item = _row(txval, rate, **heads)
    val = sum(item["itm_det"][k] for k in ("txval", "iamt", "camt", "samt", "csamt"))
    return {
        "inum": inum,
        "idt": idt,
        "val": val,
        "pos": pos,
        "rchrg": rchrg,
        "inv_typ": "R",
        "itms": [item],
        **heads_and_extra,
    }


def note(
    ntty: str,
    nt_num: str,
    nt_dt: str,
    txval: str,
    rate: int,
    pos: str = "29",
    rchrg: str = "N",
    **heads_and_extra: str,
) -> dict:
    row = inv("X", nt_dt, txval, rate, pos, rchrg, **heads_and_extra)
    del row["inum"], row["idt"]
    return {"ntty": ntty, "nt_num": nt_num, "nt_dt": nt_dt, **row}


def gstr1(gstin: str, fp: str, ctin: str, **tables: list[dict]) -> dict:
    return {
        "gstin": gstin,
        "fp": fp,
        **{t: [{"ctin": ctin, "nt" if t.startswith("cdnr") else "inv": rows}] for t, rows in tables.items()},
    }


def file(live: Any, body: dict, filed_on: str | None = None, form: str = "gstr1", count: int | None = None) -> None:
    path = "/v1/imports/boe" if form == "boe" else f"/v1/returns/{form}?status=filed&filed_on={filed_on}"
    answer = live.post(path, body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status_cd"] == "P" and result["err_cnt"] == 0, result
    if count is not None:
        assert result["proc_cnt"] == count, result


def act(live: Any, rtin: str, invdata: dict[str, list[dict]], refused: list[tuple[str, str]] | None = None) -> None:
    """SAVE; `refused` lists the (number, error_cd) the answer must report, nothing else."""
    answer = live.post(f"/v1/ims/{rtin}/actions", {"rtin": rtin, "reqtyp": "SAVE", "invdata": invdata})
    assert answer.status_code == 200, answer.text
    report = answer.json()["error_report"]
    got = sorted(
        (i.get("inum") or i.get("nt_num") or i.get("boenum"), r["error_cd"])
        for rows in report.values()
        for r in rows
        for i in r["inv"]
    )
    assert got == sorted(refused or []), answer.json()


def heads(node: dict) -> tuple[Decimal, ...]:
    return tuple(D(str(node[h])) for h in HEADS)


def money(*values: str | int) -> tuple[Decimal, ...]:
    return tuple(D(v) for v in values)


def all_leaves(itcsumm: dict) -> dict[tuple[str, str, str], tuple[Decimal, ...]]:
    return {
        (b, k, leaf): heads(node)
        for b, buckets in itcsumm.items()
        for k, leaves in buckets.items()
        if isinstance(leaves, dict)
        for leaf, node in leaves.items()
        if isinstance(node, dict)
    }


def assert_itcsumm(itcsumm: dict, leaves: dict[tuple[str, str, str], tuple], buckets: dict[tuple[str, str], tuple]):
    """Every leaf and bucket equals the hand-computed figure; the rest are zero (docs/rules.md §7 layout)."""
    layout = {
        "nonrevsup": {"b2b", "b2ba", "cdnr", "cdnra", "ecom", "ecoma"},
        "isdsup": {"isd", "isda"},
        "revsup": {"b2b", "b2ba", "cdnr", "cdnra"},
        "imports": {"impg", "impga", "impgsez", "impgasez"},
        "othersup": {"cdnr", "cdnra", "cdnrrev", "cdnrarev", "isd", "isda"},
    }
    assert set(itcsumm) == {"itcavl", "itcunavl", "itcrev", "itcRejected"}
    got = all_leaves(itcsumm)
    # GSTN's Rule 37A block (itcrev) has no reverse-charge bucket and no ECO leaves
    not_reversed = {("itcrev", "revsup", leaf) for leaf in layout["revsup"]} | {
        ("itcrev", "nonrevsup", "ecom"),
        ("itcrev", "nonrevsup", "ecoma"),
    }
    everything = {(b, k, leaf) for b in itcsumm for k, names in layout.items() for leaf in names}
    assert set(got) == everything - not_reversed
    want = {key: money(*leaves.get(key, ZERO)) for key in got}
    assert {k: v for k, v in got.items() if v != want[k]} == {}, {k: want[k] for k in got if got[k] != want[k]}
    for block in itcsumm:
        for bucket in (b for b in layout if (block, b) != ("itcrev", "revsup")):
            assert heads(itcsumm[block][bucket]) == money(*buckets.get((block, bucket), ZERO)), (
                block,
                bucket,
            )


def assert_table4(table4: dict, expected: dict[str, tuple]) -> None:
    got = {row: heads(table4[row]) for row in ("4A1", "4A3", "4A4", "4A5", "4B2", "4D2")}
    assert got == {row: money(*expected.get(row, ZERO)) for row in got}


def lines(groups_by_section: dict) -> dict[tuple[str, str], dict]:
    """(section, number) → the document with its group's ctin / supfildt / supprd (None where GSTN's group has
    none: `impg` rows are in no group, an `impgsez` group is only its SEZ supplier); Rule 37A's `itcrev` aside."""
    out = {}
    for section, groups in groups_by_section.items():
        if section == "itcrev":
            continue
        for group in groups:
            docs = (
                [group] if section == "impg" else [d for k in ("inv", "nt", "doclist", "boe") for d in group.get(k, [])]
            )
            for doc in docs:
                number = doc.get("inum") or doc.get("ntnum") or doc.get("boenum") or doc.get("docnum")
                out[(section, number)] = {
                    **doc,
                    "ctin": None if section == "impg" else group["ctin"],
                    "supfildt": group.get("supfildt"),
                    "supprd": group.get("supprd"),
                }
    return out
