"""GSTIN: the 15-character GST identification number, validated once at the boundary.

Layout: 2-digit state code, 10-character PAN, entity code, a letter (normally ``Z``), and a
check character computed over the first 14 characters (docs/rules.md §9).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

GSTIN_STATE_CODES: frozenset[str] = frozenset({f"{code:02d}" for code in range(1, 39)} | {"97"})
"""State codes a GSTIN may start with: 01-38 and 97 (other territory)."""

VALID_POS_CODES: frozenset[str] = GSTIN_STATE_CODES | {"96"}
"""State codes valid as place of supply: the GSTIN states plus 96 (other countries)."""

_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")


class InvalidGstin(ValueError):
    """The text is not a valid GSTIN; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class Gstin:
    """A GSTIN known to be well formed: constructing one with a bad value raises InvalidGstin."""

    value: str

    def __post_init__(self) -> None:
        _check_structure(self.value)

    @property
    def state_code(self) -> str:
        return self.value[:2]

    @property
    def pan(self) -> str:
        return self.value[2:12]

    def __str__(self) -> str:
        return self.value


def parse_gstin(text: object) -> Gstin:
    """Turn untrusted input into a Gstin; nothing is stripped or upper-cased on the caller's behalf."""
    if not isinstance(text, str):
        raise InvalidGstin(f"GSTIN must be text, got {type(text).__name__}")
    return _known(text)


@functools.lru_cache(maxsize=200_000)
def _known(text: str) -> Gstin:
    """A return names the same few GSTINs thousands of times: check each once (failures are not cached)."""
    return Gstin(text)


def check_character(first14: str) -> str:
    """The check character for a GSTIN's first 14 characters (used to mint valid test GSTINs)."""
    if len(first14) != 14:
        raise InvalidGstin(f"check character needs 14 characters, got {len(first14)}")
    total = 0
    for position, char in enumerate(first14):
        code = ALPHABET.find(char)
        if code < 0:
            raise InvalidGstin(f"character {char!r} is not allowed in a GSTIN")
        product = code * (2 if position % 2 else 1)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


def _check_structure(text: str) -> None:
    shown = f"GSTIN {text!r}" if len(text) <= 40 else f"GSTIN {text[:20]!r}... ({len(text)} characters)"
    if text != text.strip():
        raise InvalidGstin(f"{shown} has leading or trailing spaces")
    if len(text) != 15:
        raise InvalidGstin(f"{shown} must be 15 characters, got {len(text)}")
    if text != text.upper():
        raise InvalidGstin(f"{shown} must be uppercase")
    stray = next((char for char in text if char not in ALPHABET), None)
    if stray is not None:
        raise InvalidGstin(f"{shown} contains {stray!r}; only A-Z and 0-9 are allowed")
    state = text[:2]
    if not state.isdigit():
        raise InvalidGstin(f"{shown}: state code {state} must be two digits")
    if state not in GSTIN_STATE_CODES:
        raise InvalidGstin(f"{shown}: state code {state} is not a GSTIN state")
    if not _PAN.fullmatch(text[2:12]):
        raise InvalidGstin(f"{shown}: characters 3-12 {text[2:12]} are not a PAN (5 letters, 4 digits, 1 letter)")
    if text[12] == "0":
        raise InvalidGstin(f"{shown}: entity code (13th character) must be 1-9 or A-Z, got 0")
    if not text[13].isalpha():
        raise InvalidGstin(f"{shown}: 14th character must be a letter (normally Z), got {text[13]}")
    expected = check_character(text[:14])
    if text[14] != expected:
        raise InvalidGstin(f"{shown}: check character should be {expected}, got {text[14]}")
