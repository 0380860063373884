"""The recipient's reconciliation policy as `PUT .../recon/policy` sends it, and manual links as `POST
.../recon/links` sends them (docs/rules.md §10.2): every refusal names its field and says why."""

from __future__ import annotations

from typing import Any

import pytest

from services.recon.domain.links import LINK, UNLINK, Found, LinksRefused, TooManyLinks, decide, rows_of
from services.recon.domain.policy import DEFAULT_POLICY, PERCENT
from services.recon.domain.policy_body import FIELDS, PolicyRefused, fields_of, policy_of
from services.recon.policy_links_http import POLICY

DOC = "b2b|27AAPFU0939F1ZV|2025|INV-1"
OTHER_DOC = "b2b|27AAPFU0939F1ZV|2025|INV-2"
THIRD_DOC = "b2b|27AAPFU0939F1ZV|2025|INV-3"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"tolerance": "relative"}, "tolerance", "absolute or percent"),
        ({"head_tolerance": -1}, "head_tolerance", "from 0 to 10000000"),
        ({"head_tolerance": 1.5}, "head_tolerance", "a whole number of paise"),
        ({"taxable_tolerance": True}, "taxable_tolerance", "a whole number of paise"),
        ({"taxable_tolerance": "100"}, "taxable_tolerance", "a whole number of paise"),
        ({"percent_bp": 10_000}, "percent_bp", "from 0 to 9999"),
        ({"fuzzy_threshold": 0}, "fuzzy_threshold", "from 1 to 100"),
        ({"date_window_days": 400}, "date_window_days", "from 0 to 366"),
        ({"pan_level": "yes"}, "pan_level", "true or false"),
        ({"compare_pos": 1}, "compare_pos", "true or false"),
        ({"heads": "txval"}, "heads", "a list of heads"),
        ({"heads": ["igst"]}, "heads", "must include txval"),
        ({"pan_heads": ["txval", "vat"]}, "pan_heads", "'vat' is not a head"),
        ({"heads": ["txval", "igst", "igst"]}, "heads", "named twice"),
        ({"version": 7}, "version", "given by the server"),
        ({"tolerence": "percent"}, "tolerence", "not a field of the policy"),
        (["tolerance"], "body", "expected an object"),
    ],
)
def test_every_refusal_of_a_policy_names_its_field_and_why(body: Any, field: str, reason: str) -> None:
    with pytest.raises(PolicyRefused) as refused:
        policy_of(body, 2)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ") and reason in str(refused.value)


def test_a_field_left_out_takes_the_defaults_value_and_heads_keep_one_order() -> None:
    policy = policy_of({"tolerance": PERCENT, "percent_bp": 250, "heads": ["tax", "txval"]}, 3)
    assert policy.version == 3 and (policy.tolerance, policy.percent_bp) == (PERCENT, 250)
    assert policy.heads == ("txval", "tax") and policy.date_window_days == DEFAULT_POLICY.date_window_days
    assert policy_of({"heads": ["txval", "tax"]}, 3).heads == policy_of({"heads": ["tax", "txval"]}, 3).heads
    assert policy_of({}, 1) == DEFAULT_POLICY


def test_a_policys_fields_read_back_as_the_same_policy() -> None:
    policy = policy_of({"head_tolerance": 500, "pan_level": False, "pan_heads": ["txval", "igst"]}, 4)
    fields = fields_of(policy)
    assert tuple(fields) == FIELDS and "version" not in fields
    assert policy_of(fields, 4) == policy


def test_a_links_body_of_another_shape_is_refused_whole() -> None:
    bodies: list[object] = [{}, [], {"link": {}}, {"links": []}, {"link": [], "unlink": []}]
    for body in bodies:
        with pytest.raises(LinksRefused):
            rows_of(body, 10)
    with pytest.raises(TooManyLinks):
        rows_of({"link": [{"voucher_id": "PV-1", "doc_id": DOC}] * 6, "unlink": [{"voucher_id": "X"}] * 5}, 10)


def test_link_rows_are_checked_one_by_one_and_a_voucher_or_document_named_twice_is_refused_on_its_later_row() -> None:
    rows = rows_of(
        {
            "unlink": [{"voucher_id": "PV-9"}, {"voucher_id": ""}],
            "link": [
                {"voucher_id": "PV-1", "doc_id": DOC},
                {"voucher_id": "PV-9", "doc_id": OTHER_DOC},
                {"voucher_id": "PV-2", "doc_id": DOC},
                {"voucher_id": "PV-3", "doc_id": "INV-2"},
                {"voucher_id": "PV-4", "doc_id": OTHER_DOC, "note": "x"},
                "PV-5",
            ],
        },
        100,
    )
    assert [(r.kind, r.row, r.voucher_id) for r in rows.rows] == [(UNLINK, 1, "PV-9"), (LINK, 1, "PV-1")]
    refused = {(kind, e["row"], e["field"], e["error_cd"]) for kind, errors in rows.errors.items() for e in errors}
    assert refused == {
        (UNLINK, 2, "voucher_id", "INVALID_VOUCHER_ID"),
        (LINK, 2, "voucher_id", "DUPLICATE"),
        (LINK, 3, "doc_id", "DUPLICATE"),
        (LINK, 4, "doc_id", "INVALID_DOC_ID"),
        (LINK, 5, "note", "INVALID_ROW"),
        (LINK, 6, "link", "INVALID_ROW"),
    }
    assert rows.seen == 8 and rows.refused == 6
    assert all(str(e["error_msg"]).startswith(f"{e['field']}: ") for errors in rows.errors.values() for e in errors)


def test_links_are_decided_against_the_books_ims_and_earlier_links_unlinks_first() -> None:
    body = {
        "unlink": [{"voucher_id": "PV-1"}, {"voucher_id": "PV-2"}],
        "link": [
            {"voucher_id": "PV-3", "doc_id": DOC},  # DOC was PV-1's, unlinked above: moves to PV-3
            {"voucher_id": "PV-4", "doc_id": THIRD_DOC},  # PV-9 holds it
            {"voucher_id": "PV-5", "doc_id": OTHER_DOC},  # already so
            {"voucher_id": "PV-6", "doc_id": DOC.replace("INV-1", "INV-7")},  # no such document
            {"voucher_id": "PV-7", "doc_id": DOC.replace("INV-1", "INV-8")},  # cancelled voucher
            {"voucher_id": "PV-8", "doc_id": DOC.replace("INV-1", "INV-9")},  # never booked
        ],
    }
    rows = rows_of(body, 100)
    found = Found(
        vouchers={f"PV-{n}": n == 7 for n in range(1, 8)},
        documents=frozenset({DOC, OTHER_DOC, THIRD_DOC, DOC.replace("INV-1", "INV-8")}),
        links={"PV-1": DOC, "PV-5": OTHER_DOC, "PV-9": THIRD_DOC},
    )
    decided = decide(rows, found)
    assert (decided.linked, decided.unlinked, decided.unchanged) == ([("PV-3", DOC)], ["PV-1"], 2)
    assert [(e["row"], e["field"], e["error_cd"]) for e in rows.errors[LINK]] == [
        (2, "doc_id", "ALREADY_LINKED"),
        (4, "doc_id", "NOT_FOUND"),
        (5, "voucher_id", "CANCELLED"),
        (6, "voucher_id", "NOT_FOUND"),
    ]
    assert "PV-9" in str(rows.errors[LINK][0]["error_msg"])


def test_the_openapi_body_of_a_policy_is_spelt_from_its_checks() -> None:
    assert set(POLICY["properties"]) == set(FIELDS)
    assert POLICY["properties"]["fuzzy_threshold"] | {"description": ""} == {
        "type": "integer", "minimum": 1, "maximum": 100, "description": ""
    }  # fmt: skip
