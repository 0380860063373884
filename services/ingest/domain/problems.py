"""Why a reported document was refused: one Problem per offending field, with a stable code."""

from __future__ import annotations

from dataclasses import dataclass

ERROR_CODES: dict[str, str] = {
    "MISSING_FIELD": "a required field is absent or null",
    "INVALID_FIELD": "a field has the wrong type, shape or an unknown choice value",
    "INVALID_GSTIN": "a GSTIN fails the structure or check-character rules",
    "SELF_SUPPLY": "the recipient GSTIN is the supplier's own",
    "OTHER_PAN": "an ISD document names a recipient outside the ISD's own PAN",
    "INVALID_NUMBER": "a document number is not 1-16 of letters, digits, '-' or '/'",
    "DUPLICATE_NUMBER": "a document number repeats (case-insensitive) in the supplier's series for the FY",
    "INVALID_DATE": "a date is not DD-MM-YYYY or not a calendar date",
    "DATE_OUT_OF_RANGE": "a date is before 01-07-2017 or after the last day of the return period",
    "INVALID_POS": "the place of supply is not a valid two-digit state code",
    "INVALID_RATE": "a tax rate is not a GST rate, or 40% before 22-09-2025",
    "INVALID_AMOUNT": "an amount is a float, negative, not finite, over 2 places or 15 digits",
    "TAX_HEAD_MISMATCH": "the wrong tax heads are used for the supply (IGST vs CGST/SGST, SEWOP)",
    "TAX_RATE_MISMATCH": "a tax head differs from taxable value x rate by more than 1 rupee",
    "INVALID_DIFF_PERCENT": "diff_percent is neither absent nor 0.65",
    "INVALID_PORT_CODE": "a Bill of Entry port code is not 6 letters or digits",
}


# What is reported beside an accepted document, never refusing it (the answer's `warnings`, docs/rules.md §9.6)
WARNING_CODES: dict[str, str] = {
    "VALUE_BELOW_TAXES": "the document value is below its taxable value plus taxes by more than 1 rupee",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a document was refused (or, with a warning code, a doubt about one accepted as reported);
    ``message`` starts with the field name."""

    field: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES and self.code not in WARNING_CODES:
            raise ValueError(f"unregistered error code {self.code!r}")


def problem(field: str, code: str, reason: str) -> Problem:
    """A Problem whose message is ``"<field>: <reason>"``."""
    return Problem(field, code, f"{field}: {reason}")
