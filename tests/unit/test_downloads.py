"""Downloads stream in bounded pieces and lose no row: one supplier's huge GSTR-2B group, Excel's row limit."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from services.api.downloads import xlsx_file
from services.gstr2b.output import _sections_json
from tests.support.gstr2b_flow import xlsx_sheets


def _line(i: int) -> dict[str, object]:
    return {
        "section": "b2b", "supplier": "27AAPFK4821M1ZT", "supprd": "092025", "supfildt": datetime.date(2025, 10, 11),
        "number": f"INV/{i}", "doc_date": datetime.date(2025, 9, 1), "port_code": None, "ims_section": "b2b",
        "orig_number": None, "orig_date": None, "note_type": None, "inv_typ": "R", "value": 11_800, "pos": "29",
        "rev": False, "itcavl": "Y", "rsn": "", "diff_percent": None, "txval": 10_000, "igst": 1_800, "cgst": 0,
        "sgst": 0, "cess": 0, "action": "A", "remarks": None, "doc_key": f"k{i}", "itc_red_req": None,
        "decl_igst": None, "decl_cgst": None, "decl_sgst": None, "decl_cess": None, "trdnm": "",
    }  # fmt: skip


def test_one_suppliers_group_of_documents_is_sent_in_bounded_pieces() -> None:
    pieces = list(_sections_json(_line(i) for i in range(30_000)))
    assert max(len(p) for p in pieces) < 70_000 and len(pieces) > 30
    parsed = json.loads("".join(pieces))
    (group,) = parsed["b2b"]
    assert (group["ctin"], group["supprd"], group["supfildt"]) == ("27AAPFK4821M1ZT", "092025", "11-10-2025")
    assert [d["inum"] for d in group["inv"]] == [f"INV/{i}" for i in range(30_000)]


def test_a_sheet_past_the_row_limit_continues_on_numbered_sheets_with_its_header() -> None:
    rows = [{"n": i, "text": f"row {i}"} for i in range(7)]
    path = Path(xlsx_file([("B2B", ("n", "text"), iter(rows)), ("EMPTY", ("n",), iter([]))], max_rows=3))
    try:
        sheets = xlsx_sheets(path.read_bytes())
    finally:
        path.unlink()
    assert list(sheets) == ["B2B", "B2B (2)", "B2B (3)", "B2B (4)", "EMPTY"]
    assert all(sheet[0] == ["n", "text"] for name, sheet in sheets.items() if name != "EMPTY")
    found = [row[1] for name, sheet in sheets.items() if name.startswith("B2B") for row in sheet[1:]]
    assert found == [f"row {i}" for i in range(7)]
