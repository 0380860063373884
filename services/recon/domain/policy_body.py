"""A recipient's policy as `PUT /v1/ims/{gstin}/recon/policy` sends it: the `Policy`'s own fields, in its own units
(paise for the tolerances, basis points for the percentage), each checked on its own (docs/rules.md §10.2).

A field left out takes the default's value: the body is the whole policy, never a patch of the one in force.
`version` is not the sender's to choose (the booking side gives the next one) and any other name is refused, so
a misspelt field can never pass as the default silently. Heads are kept in one canonical order, so the same
choice of heads is the same policy however it was listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from services.common.quoting import cut, shown
from services.recon.domain.policy import ABSOLUTE, DEFAULT_POLICY, HEADS, PERCENT, TOTAL_TAX, Policy

MAX_TOLERANCE = 10_000_000  # paise: ₹1,00,000, far beyond any tolerance a reconciliation means
MAX_WINDOW = 366  # days
ALL_HEADS = (*HEADS, TOTAL_TAX)
FIELDS = tuple(f.name for f in fields(Policy) if f.name != "version")
RANGES = {
    "head_tolerance": (0, MAX_TOLERANCE, "paise"),
    "taxable_tolerance": (0, MAX_TOLERANCE, "paise"),
    "percent_bp": (0, 9_999, "basis points"),
    "fuzzy_threshold": (1, 100, "a rapidfuzz ratio"),
    "date_window_days": (0, MAX_WINDOW, "days"),
}
FLAGS = ("pan_level", "compare_pos", "compare_rev", "mismatch_pending")


class PolicyRefused(ValueError):
    """A policy body that cannot be taken; `field` names what is wrong and the message says why."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field


def policy_of(body: object, version: int) -> Policy:
    """The policy the body states, as `version`; PolicyRefused naming the first field that is wrong."""
    if not isinstance(body, Mapping):
        raise PolicyRefused("body", "expected an object of the policy's fields: " + ", ".join(FIELDS))
    for name in body:
        if name == "version":
            raise PolicyRefused("version", "given by the server (the next version), never by the body")
        if name not in FIELDS:
            raise PolicyRefused(cut(str(name)), "not a field of the policy; the fields are " + ", ".join(FIELDS))
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name == "tolerance":
            if value not in (ABSOLUTE, PERCENT):
                raise PolicyRefused(name, f"{ABSOLUTE} or {PERCENT}, got {shown(value)}")
            values[name] = value
        elif name in RANGES:
            values[name] = _whole(name, value)
        elif name in FLAGS:
            if not isinstance(value, bool):
                raise PolicyRefused(name, f"true or false, got {shown(value)}")
            values[name] = value
        else:
            values[name] = _heads(name, value)
    return replace(DEFAULT_POLICY, version=version, **values)


def fields_of(policy: Policy) -> dict[str, Any]:
    """The policy's fields as the body and the event carry them (heads as lists), its version left out."""
    found = {name: getattr(policy, name) for name in FIELDS}
    return found | {"heads": list(policy.heads), "pan_heads": list(policy.pan_heads)}


def _whole(name: str, value: object) -> int:
    low, high, unit = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyRefused(name, f"a whole number of {unit} from {low} to {high}, got {shown(value)}")
    if not low <= value <= high:
        raise PolicyRefused(name, f"from {low} to {high} ({unit}), got {value}")
    return value


def _heads(name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise PolicyRefused(name, f"a list of heads among {', '.join(ALL_HEADS)}, got {shown(value)}")
    unknown = [h for h in value if h not in ALL_HEADS]
    if unknown:
        raise PolicyRefused(name, f"{shown(unknown[0])} is not a head; heads are {', '.join(ALL_HEADS)}")
    if len(set(value)) != len(value):
        raise PolicyRefused(name, "a head is named twice")
    if "txval" not in value:
        raise PolicyRefused(name, "must include txval (the taxable value is always compared)")
    return tuple(h for h in ALL_HEADS if h in value)
