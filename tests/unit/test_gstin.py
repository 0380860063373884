import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.gst.gstin import (
    ALPHABET,
    GSTIN_STATE_CODES,
    VALID_POS_CODES,
    Gstin,
    InvalidGstin,
    check_character,
    parse_gstin,
)

KNOWN_VALID = ["27AAPFU0939F1ZV", "24AANFA2641L1ZF", "29AABCR1718E1ZL"]
FROM_EXAMPLES = [
    "27AAPFK4821M1ZT",
    "29AABCM7710Q1ZX",
    "33AAGCN3302H1ZX",
    "07AAFCE1049J1C0",
    "07ABCPD1234E1ZG",
]


@pytest.mark.parametrize("text", KNOWN_VALID + FROM_EXAMPLES)
def test_published_and_example_gstins_parse(text):
    assert parse_gstin(text).value == text


def test_gstin_exposes_state_code_and_pan():
    gstin = parse_gstin("27AAPFU0939F1ZV")
    assert (gstin.state_code, gstin.pan, str(gstin)) == ("27", "AAPFU0939F", "27AAPFU0939F1ZV")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("27AAPFU0939F1ZX", "check character should be V"),
        ("99AAPFU0939F1ZV", "state code 99 is not a GSTIN state"),
        ("96AAPFU0939F1ZV", "state code 96 is not a GSTIN state"),
        ("00AAPFU0939F1ZV", "state code 00 is not a GSTIN state"),
        ("AAAAPFU0939F1ZV", "state code AA must be two digits"),
        ("27AAPF10939F1ZV", "are not a PAN"),
        ("27AAPFU0939F0ZV", "entity code (13th character) must be 1-9 or A-Z, got 0"),
        ("27AAPFU0939F115", "14th character must be a letter"),
        ("27AAPFU0939F1Z", "must be 15 characters, got 14"),
        ("27AAPFU0939F1ZVV", "must be 15 characters, got 16"),
        ("27aapfu0939f1zv", "must be uppercase"),
        (" 27AAPFU0939F1ZV", "leading or trailing spaces"),
        ("27AAPFU0939F1ZV ", "leading or trailing spaces"),
        ("27AAPFU0939F1Z-", "only A-Z and 0-9 are allowed"),
    ],
)
def test_each_structural_failure_names_its_reason(text, reason):
    with pytest.raises(InvalidGstin, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_gstin(text)


@pytest.mark.parametrize("value", [None, 27, b"27AAPFU0939F1ZV"])
def test_non_text_is_not_a_gstin(value):
    with pytest.raises(InvalidGstin, match="must be text"):
        parse_gstin(value)


def test_constructing_gstin_directly_also_validates():
    with pytest.raises(InvalidGstin):
        Gstin("27AAPFU0939F1ZX")


def test_check_character_matches_published_gstins():
    assert [check_character(g[:14]) for g in KNOWN_VALID] == [g[14] for g in KNOWN_VALID]


def test_check_character_needs_exactly_fourteen_known_characters():
    with pytest.raises(InvalidGstin):
        check_character("27AAPFU0939F1")
    with pytest.raises(InvalidGstin):
        check_character("27AAPFU0939F1z")


def test_96_is_a_place_of_supply_but_not_a_gstin_state():
    assert "96" in VALID_POS_CODES and "96" not in GSTIN_STATE_CODES
    assert {"01", "38", "97"} <= GSTIN_STATE_CODES and "39" not in VALID_POS_CODES


def _letters(n):
    return st.text(alphabet=string.ascii_uppercase, min_size=n, max_size=n)


def _digits(n):
    return st.text(alphabet=string.digits, min_size=n, max_size=n)


valid_prefixes = st.tuples(
    st.sampled_from(sorted(GSTIN_STATE_CODES)),
    _letters(5),
    _digits(4),
    _letters(1),
    st.sampled_from("123456789" + string.ascii_uppercase),
    _letters(1),
).map("".join)


@given(prefix=valid_prefixes, other=st.sampled_from(ALPHABET))
def test_prefix_plus_check_character_parses_and_any_other_last_character_fails(prefix, other):
    good = prefix + check_character(prefix)
    assert parse_gstin(good).value == good
    if other != good[14]:
        with pytest.raises(InvalidGstin, match="check character should be"):
            parse_gstin(prefix + other)
