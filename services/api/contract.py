"""The request and response bodies of the HTTP API as JSON Schema, for the OpenAPI document.

The routes read raw bodies on purpose (streamed returns, exact decimals, bounded memory), so FastAPI
cannot infer these: each route declares its body with `request_body(...)` and its answers with
`answers(...)`. Shapes and field names are GSTN's (the GSTR-1 and IMS SAVE samples in tests/support/examples,
the REQSTS answer of services/common/requests.py); the rules a value must satisfy (check characters, tax
heads) are the product's, and a body that breaks them is answered with a REQSTS error report or a 4xx
naming the field, never a 5xx.
"""

from __future__ import annotations

from typing import Any

from services.api.errors import responses
from services.common.gst.remarks import MAX_REMARKS

Schema = dict[str, Any]

TEXT: Schema = {"type": "string"}
AMOUNT: Schema = {"type": "number", "description": "rupees, at most two decimals (read exactly)"}
MMYYYY: Schema = {"type": "string", "pattern": "^[0-9]{6}$", "description": "tax period MMYYYY"}
DDMMYYYY: Schema = {"type": "string", "pattern": "^[0-9]{2}-[0-9]{2}-[0-9]{4}$"}
ISO_DATE: Schema = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
GSTIN: Schema = {"type": "string", "minLength": 15, "maxLength": 15}
YN: Schema = {"type": "string", "enum": ["Y", "N"]}


def obj(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    found: Schema = {"type": "object", "properties": properties}
    if required:
        found["required"] = list(required)
    return found


def array(items: Schema, max_items: int | None = None) -> Schema:
    found: Schema = {"type": "array", "items": items}
    if max_items is not None:
        found["maxItems"] = max_items
    return found


# GSTR-1 family (docs/rules.md §8) ------------------------------------------------------------------------
ITEM = obj(
    {
        "num": {"type": "integer"},
        "itm_det": obj(
            {"rt": {"type": "number"}, "txval": AMOUNT, "iamt": AMOUNT, "camt": AMOUNT, "samt": AMOUNT, "csamt": AMOUNT}
        ),
    }
)
_DOC = {
    "val": AMOUNT,
    "pos": {"type": "string", "pattern": "^[0-9]{2}$"},
    "rchrg": YN,
    "inv_typ": {"type": "string", "enum": ["R", "SEWP", "SEWOP", "DE", "CBW"]},
    "diff_percent": {"type": "number"},
    "etin": TEXT,
    "flag": {"type": "string", "description": "D deletes a saved row"},
    "itms": array(ITEM),
}
INVOICE = obj({"inum": TEXT, "idt": DDMMYYYY, **_DOC})
INVOICE_AMENDMENT = obj({"inum": TEXT, "idt": DDMMYYYY, "oinum": TEXT, "oidt": DDMMYYYY, **_DOC})
NOTE = obj({"ntty": {"type": "string", "enum": ["C", "D"]}, "nt_num": TEXT, "nt_dt": DDMMYYYY, **_DOC})
NOTE_AMENDMENT = obj(
    {"ntty": {"type": "string", "enum": ["C", "D"]}, "nt_num": TEXT, "nt_dt": DDMMYYYY, "ont_num": TEXT, **_DOC}
    | {"ont_dt": DDMMYYYY}
)
ISD_DOC = obj({"docnum": TEXT, "docdt": DDMMYYYY, "doctyp": TEXT, "itms": array(ITEM)})
RETURN = obj(
    {
        "gstin": GSTIN,
        "fp": MMYYYY,
        "b2b": array(obj({"ctin": GSTIN, "inv": array(INVOICE)})),
        "b2ba": array(obj({"ctin": GSTIN, "inv": array(INVOICE_AMENDMENT)})),
        "cdnr": array(obj({"ctin": GSTIN, "nt": array(NOTE)})),
        "cdnra": array(obj({"ctin": GSTIN, "nt": array(NOTE_AMENDMENT)})),
        "ecom": obj(
            {
                "b2b": array(obj({"stin": GSTIN, "rtin": GSTIN, "inv": array(INVOICE)})),
                "urp2b": array(obj({"rtin": GSTIN, "inv": array(INVOICE)})),
            }
        ),
        "ecoma": obj(
            {
                "b2ba": array(obj({"stin": GSTIN, "rtin": GSTIN, "inv": array(INVOICE_AMENDMENT)})),
                "urp2ba": array(obj({"rtin": GSTIN, "inv": array(INVOICE_AMENDMENT)})),
            }
        ),
        "isd": array(obj({"ctin": GSTIN, "doclst": array(ISD_DOC)})),
        "isda": array(obj({"ctin": GSTIN, "doclst": array(ISD_DOC)})),
    },
    ("gstin", "fp"),
)
BOE_ROW = obj(
    {
        "rtin": GSTIN,
        "port_code": {"type": "string", "pattern": "^[A-Z0-9]{6}$"},
        "boe_num": {"type": "string", "pattern": "^[0-9]{1,7}$"},
        "boe_dt": DDMMYYYY,
        "refdt": DDMMYYYY,
        "txval": AMOUNT,
        "iamt": AMOUNT,
        "csamt": AMOUNT,
        "is_sez": YN,
        "amd": YN,
        "oboe_num": TEXT,
        "oboe_dt": DDMMYYYY,
        "sez_gstin": GSTIN,
    }
)


def boe_body(max_rows: int) -> Schema:
    return obj({"boe": array(BOE_ROW, max_rows)}, ("boe",))


# IMS SAVE / RESETIMS (docs/rules.md §8) -------------------------------------------------------------------
IMS_RECORD = obj(
    {
        "doc_id": {"type": "string", "description": "the document's id from GETINV (or stin + number + date)"},
        "stin": GSTIN,
        "inum": TEXT,
        "idt": DDMMYYYY,
        "nt_num": TEXT,
        "nt_dt": DDMMYYYY,
        "oinum": TEXT,
        "oidt": DDMMYYYY,
        "ont_num": TEXT,
        "ont_dt": DDMMYYYY,
        "boenum": TEXT,
        "boedt": DDMMYYYY,
        "inv_typ": TEXT,
        "srcform": TEXT,
        "rtnprd": MMYYYY,
        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "the version read with GETINV"},
        "action": {"type": "string", "enum": ["A", "R", "P", "N"]},
        "remarks": {"type": "string", "maxLength": MAX_REMARKS},
        "itcRedReq": YN,
        "declIgst": AMOUNT,
        "declCgst": AMOUNT,
        "declSgst": AMOUNT,
        "declCess": AMOUNT,
    }
)


def save_body(reqtyp: str, max_records: int, sections: list[str]) -> Schema:
    invdata = {"type": "object", "properties": {s: array(IMS_RECORD) for s in sections}, "minProperties": 1}
    invdata["description"] = f"section -> records; at most {max_records} records in all"
    return obj({"rtin": GSTIN, "reqtyp": {"type": "string", "enum": [reqtyp]}, "invdata": invdata}, ("rtin", "reqtyp"))


BULK = obj(
    {
        "action": {"type": "string", "enum": ["A", "R", "P", "N"]},
        "filter": obj({"section": TEXT, "status": TEXT, "stin": GSTIN, "rtnprd": MMYYYY}),
        "remarks": {"type": "string", "maxLength": MAX_REMARKS},
        "itc_reduction": obj(
            {"itcRedReq": YN, "declIgst": AMOUNT, "declCgst": AMOUNT, "declSgst": AMOUNT, "declCess": AMOUNT}
        ),
    },
    ("action",),
)
GSTR3B = obj({"filed_on": ISO_DATE}, ("filed_on",))
CLOCK = obj({"date": ISO_DATE}, ("date",))
PROFILE = obj({"frequency": {"type": "string", "enum": ["monthly", "quarterly"]}}, ("frequency",))
RULE37A = obj({"periods": array(MMYYYY), "reported_on": ISO_DATE}, ("periods", "reported_on"))


# The registry of taxpayer names (ours; docs/rules.md §8.4) -----------------------------------------------------
def _name(most: int, what: str) -> Schema:
    return {"type": "string", "maxLength": most, "description": f"{what}, trimmed; at most {most} characters"}


def taxpayers_body(limit: int, max_rows: int, most: int) -> dict[str, Any]:
    """`openapi_extra` of a load: JSON rows, or CSV with a header row (case and spacing of its names free)."""
    row = obj(
        {"gstin": GSTIN, "legal_name": _name(most, "legal name"), "trade_name": _name(most, "trade name, or empty")},
        ("gstin", "legal_name"),
    ) | {"additionalProperties": False}
    csv = "a header row `gstin,legal_name,trade_name` (also `GSTIN`, `Legal Name`, `Trade Name`), then a row each"
    return {
        "requestBody": {
            "required": True,
            "description": f"at most {limit} bytes and {max_rows} rows",
            "content": {
                "application/json": {"schema": obj({"taxpayers": array(row, max_rows)}, ("taxpayers",))},
                "text/csv": {"schema": {"type": "string", "description": csv}},
            },
        }
    }


TAXPAYER = obj(
    {
        "gstin": GSTIN,
        "legal_name": TEXT,
        "trade_name": TEXT | {"description": "empty when the taxpayer has none (show the legal name then)"},
        "reference_id": TEXT | {"description": "the load that last set these names"},
        "updated_at": TEXT | {"description": "when that load was logged (ISO-8601, UTC)"},
    },
    ("gstin", "legal_name", "trade_name", "reference_id", "updated_at"),
)


# The recipient's purchase register (ours; docs/rules.md §10.1) ------------------------------------------------
_PURCHASE = {
    "voucher_id": TEXT | {"maxLength": 64},
    "ctin": GSTIN | {"description": "the supplier's GSTIN; not for a Bill of Entry"},
    "doc_type": {"type": "string", "enum": ["INV", "DN", "CN", "BOE"]},
    "inum": TEXT | {"description": "the document number; not needed for a Bill of Entry"},
    "dt": DDMMYYYY,
    "pos": {"type": "string", "pattern": "^[0-9]{2}$"},
    "rev": YN,
    **{name: AMOUNT for name in ("txval", "igst", "cgst", "sgst", "cess")},
    "posting_date": DDMMYYYY,
    "boe": obj({"portcode": TEXT, "boenum": TEXT}, ("portcode", "boenum")),
    "tags": {"type": "object", "additionalProperties": TEXT, "description": "opaque dimensions, text"},
}
_PURCHASE_REQUIRED = ("voucher_id", "doc_type", "dt", "pos", "rev", "txval", "posting_date")
PURCHASES_PAGE = obj(
    {
        "purchases": array(
            obj(
                _PURCHASE
                | {
                    "version": {"type": "integer", "description": "the voucher's version, 1 when first booked"},
                    "cancelled": {"type": "boolean"},
                    "reference_id": TEXT | {"description": "the booking (or cancelling) request that wrote it"},
                },
                (*_PURCHASE_REQUIRED, "igst", "cgst", "sgst", "cess", "tags", "version", "cancelled", "reference_id"),
            )
        )
    },
    ("purchases",),
)
NEXT_PAGE = {
    "X-Next-Cursor": {"description": "the next page's cursor; absent on the last page", "schema": TEXT},
    "Link": {"description": '`<this path?...&cursor=...>; rel="next"`; absent on the last page', "schema": TEXT},
}


def purchases_body(limit: int, max_rows: int, headers: list[str]) -> dict[str, Any]:
    """`openapi_extra` of a booking: JSON rows, or CSV with the template's human header row."""
    row = obj(_PURCHASE, _PURCHASE_REQUIRED)
    csv = "a header row (" + ", ".join(headers) + ", and `Tag: NAME` columns), then a voucher each"
    return {
        "requestBody": {
            "required": True,
            "description": f"at most {limit} bytes and {max_rows} rows",
            "content": {
                "application/json": {"schema": obj({"purchases": array(row, max_rows)}, ("purchases",))},
                "text/csv": {"schema": {"type": "string", "description": csv}},
                XLSX_MEDIA: {"schema": {"type": "string", "format": "binary", "description": f"{csv}, first sheet"}},
            },
        }
    }


XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cancels_body(max_ids: int) -> Schema:
    return obj({"voucher_ids": array(TEXT | {"minLength": 1, "maxLength": 64}, max_ids)}, ("voucher_ids",))


def _counted(*names: str) -> Schema:
    counts = obj({name: {"type": "integer"} for name in names}, names)
    return counts | {"description": "ours, beside the request status: vouchers by what the request did to them"}


# Answers -------------------------------------------------------------------------------------------------------
DEFAULTED = obj(
    {
        "itcRedReq": {"type": "string", "enum": ["Y"]},
        "documents": {"type": "object", "additionalProperties": array({"type": "object"})},
    },
    ("itcRedReq", "documents"),
) | {"description": "ours, beside GSTN's keys: accepts whose missing itcRedReq was taken as Y, by section"}
# A filing's or a recompute's answer (ours, in the manner of GSTN's request status): counts as numbers,
# one error row per refused record.
REQSTS = obj(
    {
        "reference_id": TEXT,
        "status_cd": {"type": "string", "enum": ["P", "PE", "ER", "IP"]},
        "proc_cnt": {"type": "integer"},
        "err_cnt": {"type": "integer"},
        "error_report": {"type": "object", "additionalProperties": array({"type": "object"})},
        "warnings": {"type": "object", "additionalProperties": array({"type": "object"})}
        | {"description": "ours, beside the report: documents accepted as reported, each with warn_cd and warn_msg"},
    },
    ("reference_id", "status_cd", "proc_cnt", "err_cnt", "error_report"),
)
BOOKED = {**REQSTS, "properties": {**REQSTS["properties"], "vouchers": _counted("new", "changed", "unchanged")}}
CANCELLED = {**REQSTS, "properties": {**REQSTS["properties"], "vouchers": _counted("cancelled", "unchanged")}}
# IMS SAVE / RESETIMS / REQSTS exactly as GSTN answers them (services/actions/views/reqsts.py)
IMS_REQSTS = obj(
    {
        "reference_id": TEXT | {"description": "ours, beside GSTN's keys"},
        "status_cd": {"type": "string", "enum": ["P", "PE", "ER", "IP"]},
        "transTypCd": {"type": "string", "enum": ["SAV", "RST"]},
        "proc_cnt": {"type": "string", "pattern": "^[0-9]+$"},
        "err_cnt": {"type": "string", "pattern": "^[0-9]+$"},
        "err_cd": TEXT,
        "err_msg": TEXT,
        "error_report": {
            "type": "object",
            "additionalProperties": array(
                obj(
                    {"stin": TEXT, "error_cd": TEXT, "error_msg": TEXT, "inv": array({"type": "object"})},
                    ("stin", "error_cd", "error_msg", "inv"),
                )
            ),
        },
        "defaulted": DEFAULTED,
    },
    ("status_cd", "transTypCd", "proc_cnt", "err_cnt", "err_cd", "err_msg", "error_report"),
)
UPLOAD = obj(
    {
        "rows": {"type": "integer", "description": "document rows read"},
        "changed": {"type": "integer", "description": "rows not as downloaded: sent, or refused unread"},
        "unchanged": {"type": "integer", "description": "rows as downloaded: not sent"},
        "refused": {"type": "integer", "description": "rows refused, before or by the SAVE"},
        "errors_workbook": {"type": "string", "description": "GET it for the refused rows (XLSX)"},
        "unidentified": array(obj({"row": {"type": "integer"}, "error_cd": TEXT, "error_msg": TEXT})),
    },
    ("rows", "changed", "unchanged", "refused", "errors_workbook"),
)
UPLOAD_ANSWER = {
    **IMS_REQSTS,
    "properties": {**IMS_REQSTS["properties"], "upload": UPLOAD | {"description": "ours, beside GSTN's keys"}},
    "required": [*IMS_REQSTS["required"], "upload"],
}
JSON_OBJECT: Schema = {"type": "object"}
CSV = {"text/csv": {"schema": {"type": "string"}}}
XLSX = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string"}}}


def request_body(schema: Schema, limit: int) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body raw: the GSTN shape it expects and its byte limit."""
    return {
        "requestBody": {
            "required": True,
            "description": f"at most {limit} bytes",
            "content": {"application/json": {"schema": schema}},
        }
    }


def file_body(limit: int, media: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route whose body is a file (an XLSX or CSV upload) of at most `limit` bytes."""
    return {"requestBody": {"required": True, "description": f"at most {limit} bytes", "content": media}}


def answers(
    ok: Schema | None, *errors: int, media: dict[str, Any] | None = None, headers: dict[str, Any] | None = None
) -> dict[int | str, Any]:
    """`responses` for a route: its 200 body (JSON `ok`, plus any download `media`), the `headers` it may send,
    and its error statuses."""
    content: dict[str, Any] = {"application/json": {"schema": ok or JSON_OBJECT}}
    content.update(media or {})
    return {
        200: {"description": "OK", "content": content} | ({"headers": headers} if headers else {}),
        **responses(*errors),
    }


def declare_bearer(app: Any) -> None:
    """The OpenAPI document says every /v1 operation needs `Authorization: Bearer <token>`, and that a path
    parameter may find no route (404)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            document.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "a token from `ims token create` (README.md, Tokens)",
            }
            for path, item in document["paths"].items():
                for operation in item.values():
                    if path.startswith("/v1/") and isinstance(operation, dict):
                        operation["security"] = [{"bearer": []}]
                        if "{" in path:  # a parameter the route cannot match (a "/" or newline in it) finds no route
                            operation["responses"].setdefault("404", responses(404)[404])
            app.openapi_schema = document
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi
