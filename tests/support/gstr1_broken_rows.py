"""Valid GSTR-1 rows (tests/support/gstr1_rows.py) with one to three fields broken: most, not all, are then
refused; for differential tests of the native row checker."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from services.common.gst.periods import Period
from tests.support.gstr1_rows import (
    EXTRA_NAMES,
    HEADS,
    Case,
    Draws,
    Lit,
    Obj,
    fmt,
    mint_gstin,
    valid_case,
    write,
)


# --- breaking a valid case ---------------------------------------------------------------------------
def _fields(case: Case) -> dict[str, tuple[Any, ...]]:
    """Paths of the row's fields by kind (only those present)."""
    row, items = case.row, case.row.get("itms", [])
    found: dict[str, list[tuple[Any, ...]]] = {"amount": [("val",)], "date": [], "number": [], "any": []}
    for key in row:
        found["any"].append((key,))
        kind = {"idt": "date", "nt_dt": "date", "oidt": "date", "ont_dt": "date"}.get(key)
        kind = kind or {"inum": "number", "nt_num": "number", "oinum": "number", "ont_num": "number"}.get(key)
        if kind:
            found[kind].append((key,))
    for index, entry in enumerate(items if isinstance(items, list) else []):
        detail = entry.get("itm_det") if isinstance(entry, dict) else None
        if isinstance(detail, dict):
            found["any"] += [("itms", index, "itm_det"), *(("itms", index, "itm_det", key) for key in detail)]
            found["amount"] += [("itms", index, "itm_det", key) for key in (*HEADS, "txval") if key in detail]
    return {kind: tuple(paths) for kind, paths in found.items()}


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda lit: {"__lit__": lit.text}), object_hook=_unlit)


def _unlit(node: dict[str, Any]) -> Any:
    return Lit(node["__lit__"]) if set(node) == {"__lit__"} else node


def _put(row: dict[str, Any], path: tuple[Any, ...], value: Any, drop: bool = False) -> None:
    node = row
    for step in path[:-1]:
        node = node[step]
    if drop:
        del node[path[-1]]
    else:
        node[path[-1]] = value


BAD_AMOUNTS: tuple[object, ...] = (
    Lit("-1"), Lit("-0.01"), Lit("-0"), Lit("-0.0"), Lit("12.345"), Lit("12.340"), Lit("0.001"), Lit("0.000"),
    Lit("1000000000000000"), Lit("999999999999999.99"), Lit("1e3"), Lit("1E+2"), Lit("1.5e1"), Lit("125E-1"),
    Lit("1e-3"), "12.50", "12", "-5", "+5", " 5", "1e3", "", "١٢٣", "１２", True, None, [], {},
    Lit("100000000000000000000"),
)  # fmt: skip
BAD_DATES = ("31-02-2025", "2025-09-01", "1-09-2025", "01/07/2017", "30-06-2017", "01-07-2017", "29-02-2023",
             "29-02-2024", "00-01-2020", "32-01-2020", "٠١-٠٧-٢٠١٧", "01-07-2017 ", 1072017, "", None)  # fmt: skip
BAD_NUMBERS = ("A" * 17, "A" * 16, "-A1", "/1", "A 1", "A_1", "", 123, "Ä1", "AÄ", "a/b-c", "x\n", None)
BAD_POS = ("00", "39", "99", "7", Lit("27"), "96", "97", " 27", "270", "AB", "٢٧", None)
BAD_CHOICES = {
    "rchrg": ("y", "Yes", "", True, "N ", "Y"),
    "inv_typ": ("r", "SEZ", "EXPWP", "R", "SEWP", "SEWOP", 1),
    "ntty": ("c", "X", "R", "", "C", "D"),
    "flag": ("d", "N", "D ", "D", 1),
    "diff_percent": (Lit("0.66"), "0.65", Lit("0.650"), Lit("65"), "", True, Lit("0.6500"), Lit("6.5e-1"),
                     Lit("0.64"), Lit("-0.65")),
}  # fmt: skip
BAD_RATES = (Lit("17"), Lit("0.5"), Lit("2"), Lit("100"), Lit("-18"), "18", Lit("18.000"), Lit("1.50"),
             Lit("0.10"), Lit("1.8e1"), Lit("40"), Lit("40.0"), Lit("0.0"), "", True, None)  # fmt: skip
TYPE_ZOO: tuple[object, ...] = (5, Lit("5.5"), "x", True, False, [], {}, [1], {"a": 1}, None)


def bad_gstin(d: Draws, good: str, supplier: str) -> Any:
    good = good if len(good) == 15 else mint_gstin(d, avoid=supplier)
    wrong = next(c for c in "0A" if c != good[14])
    return d.pick(
        (
            good[:14] + wrong,
            good.lower(),
            good[:14],
            good + " ",
            "00" + good[2:],
            "39" + good[2:],
            "96" + good[2:],
            good[:12] + "0" + good[13:],
            good[:13] + "1" + good[14],
            supplier,
            5,
            None,
        )
    )


def break_once(case: Case, d: Draws) -> Case:
    row, party = _copy(case.row), dict(case.party)
    paths = _fields(case)
    how = d.pick(("drop", "null", "type", "amount", "date", "number", "gstin", "pos", "choice", "rate", "head",
                  "val", "items", "self", "etin", "date_after"))  # fmt: skip
    if how in ("drop", "null", "type"):
        path = d.pick(paths["any"])
        _put(row, path, None if how == "null" else d.pick(TYPE_ZOO), drop=how == "drop")
    elif how in ("amount", "date", "number") and paths[how]:
        _put(row, d.pick(paths[how]), d.pick({"amount": BAD_AMOUNTS, "date": BAD_DATES, "number": BAD_NUMBERS}[how]))
    elif how == "date_after" and paths["date"]:
        last = Period.parse(case.context.period).last_day
        _put(row, d.pick(paths["date"]), fmt(last + timedelta(days=d.pick((1, 0, 400)))))
    elif how == "gstin":
        key = d.pick(sorted(party))
        party[key] = bad_gstin(d, str(party[key]), case.supplier)
    elif how == "pos":
        row["pos"] = d.pick(BAD_POS)
    elif how == "choice":
        key = d.pick(sorted(BAD_CHOICES))
        row[key] = d.pick(BAD_CHOICES[key])
    elif how == "rate" and len(paths["amount"]) > 1:
        _, index, _, _ = d.pick(paths["amount"][1:])
        row["itms"][index]["itm_det"]["rt"] = d.pick(BAD_RATES)
    elif how == "head" and len(paths["amount"]) > 1:
        _, index, _, _ = d.pick(paths["amount"][1:])
        detail = row["itms"][index]["itm_det"]
        delta = d.pick((1, -1, 100, -100, 101, -101, 99, 250, 1000))
        for head in d.pick((("iamt",), ("camt",), ("samt",), ("camt", "samt"), ("csamt",))):
            paise = max(0, _paise(detail.get(head)) + delta)
            detail[head] = Lit(f"{paise // 100}.{paise % 100:02d}")
    elif how == "val":
        count = len(row["itms"]) if isinstance(row.get("itms"), list) else 1
        paise = max(0, _paise(row.get("val")) + d.pick((1, -1)) * (100 * count + d.pick((0, 1, 0, 50))))
        row["val"] = Lit(f"{paise // 100}.{paise % 100:02d}")
    elif how == "items":
        items = row["itms"] if isinstance(row.get("itms"), list) else []
        row["itms"] = d.pick(([], {}, "x", 5, None, [5], [{}], [{"itm_det": 5}], [{"itm_det": []}], [{"num": 1}],
                             [*items, {}], items * 2))  # fmt: skip
    elif how == "self":
        party["stin" if "stin" in party else "rtin" if "rtin" in party else "ctin"] = case.supplier
        party.update({key: case.supplier for key in ("ctin", "rtin") if key in party})
    elif how == "etin":
        row["etin"] = bad_gstin(d, mint_gstin(d), case.supplier)
    return case.rewritten(row, party, how)


def _paise(amount: Any) -> int:
    text = amount.text if isinstance(amount, Lit) else str(amount or 0)
    try:
        return max(0, int(Decimal(text).scaleb(2)))
    except ArithmeticError:
        return 0


def _spoil_text(case: Case, d: Draws) -> Case:
    """Changes only the spelling: duplicate keys, string escapes, non-ASCII text (JSON stays valid)."""
    how = d.pick(("duplicate", "escape", "non_ascii"))
    row = _copy(case.row)
    if how == "duplicate":
        key = d.pick(list(row))
        other = d.pick((*TYPE_ZOO, "Z", Lit("1.00")))
        pairs = [(name, value) for name, value in row.items()]
        at = pairs.index((key, row[key]))
        pairs.insert(at + d.pick((0, 1)), (key, other))  # before: the good value wins; after: the bad one
        text = write(Obj(tuple(pairs)))
    elif how == "escape":
        strings = [key for key, value in row.items() if isinstance(value, str) and value]
        if not strings:
            return case
        key = d.pick(strings)
        value = row[key]
        index = d.number(0, len(value) - 1)
        spelled = "\\/" if value[index] == "/" else f"\\u{ord(value[index]):04{d.pick('xX')}}"
        body = json.dumps(value)[1:-1]
        row[key] = Lit('"' + body[:index] + spelled + body[index + 1 :] + '"') if body == value else Lit('"\\n"')
        text = write(row)
    else:
        key = d.pick((*EXTRA_NAMES, *(k for k in ("inum", "nt_num") if k in row)))
        row[key] = d.pick(("₹ café", "Ä1", "日本", "x\u00a0y", "१२३"))
        text = write(row)
    return replace(case, row=row, text=text, broken=(*case.broken, how))


def broken_case(d: Draws) -> Case:
    case = valid_case(d)
    for _ in range(d.number(1, 3)):
        case = break_once(case, d)
    return _spoil_text(case, d) if d.chance(25) else case
