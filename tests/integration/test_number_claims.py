"""Document-number claims on real PostgreSQL: first row wins, other recipients refused, drafts give back,
filed claims are kept, a concurrent claim waits for the first and sees it."""

from __future__ import annotations

import threading

from sqlalchemy import text

from services.ingest import numbers

SUPPLIER = "27AAPFU0939F1ZV"
A, B = "29AABCR1718E1ZL", "33AAACI1195H1ZK"


def rows(*claims: tuple[str, str]) -> list[numbers.ClaimRow]:
    return [(i, SUPPLIER, 2025, "I", number, recipient) for i, (number, recipient) in enumerate(claims)]


def test_a_number_belongs_to_its_first_row_and_rows_for_another_recipient_are_refused(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    with engine.begin() as conn:
        assert numbers.claim(conn, rows(("INV-1", A), ("INV-1", B), ("INV-1", A), ("INV-2", B)), False) == {1}
    with engine.begin() as conn:
        assert numbers.claim(conn, rows(("INV-2", A), ("INV-1", A), ("INV-1", B)), True) == {0, 2}
        elsewhere = [(0, SUPPLIER, 2026, "I", "INV-1", B), (1, SUPPLIER, 2025, "N", "INV-1", B)]
        assert numbers.claim(conn, [*elsewhere, (2, "27AAACI1195H1ZK", 2025, "I", "INV-1", B)], True) == set()
        owners = conn.execute(
            text("SELECT key, supplier, recipient, filed FROM document_numbers WHERE key LIKE :s ORDER BY key"),
            {"s": f"{SUPPLIER}|2025|I|%"},
        ).all()
    assert [tuple(row) for row in owners] == [
        (f"{SUPPLIER}|2025|I|INV-1", SUPPLIER, A, True),
        (f"{SUPPLIER}|2025|I|INV-2", SUPPLIER, B, False),
    ]


def test_a_deleted_draft_gives_its_number_back_but_a_filed_number_is_kept(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    with engine.begin() as conn:
        assert numbers.claim(conn, rows(("DRAFT-1", A), ("FILED-1", A), ("LATER-1", A)), False) == set()
        assert numbers.claim(conn, rows(("FILED-1", A)), True) == set()  # the draft is filed: the number is kept
        numbers.release(conn, rows(("DRAFT-1", B), ("FILED-1", A)))  # another recipient's draft releases nothing
        assert numbers.claim(conn, rows(("DRAFT-1", B), ("FILED-1", B)), False) == {0, 1}
        numbers.release(conn, rows(("DRAFT-1", A), ("FILED-1", A), ("LATER-1", A)))
        assert numbers.claim(conn, rows(("DRAFT-1", B), ("FILED-1", B), ("LATER-1", B)), True) == {1}


def test_numbers_with_quotes_backslashes_and_braces_are_claimed_as_they_are(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    odd = ['Q"1', "B\\2", "C,3", "{4}", "S 5", "P|6", "NULL"]
    with engine.begin() as conn:
        assert numbers.claim(conn, rows(*((n, A) for n in odd)), False) == set()
        assert numbers.claim(conn, rows(*((n, B) for n in odd)), False) == set(range(len(odd)))
        numbers.release(conn, rows(*((n, A) for n in odd)))
        assert numbers.claim(conn, rows(*((n, B) for n in odd)), False) == set()
        keys = conn.execute(text("SELECT key FROM document_numbers ORDER BY key")).scalars().all()
    assert sorted(keys) == sorted(f"{SUPPLIER}|2025|I|{n}" for n in odd)


def test_a_concurrent_claim_of_the_same_number_waits_for_the_first_and_is_refused(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack

    def second(number: str, filed: bool, answers: list[set[int]]) -> None:
        with engine.begin() as conn:
            answers.append(numbers.claim(conn, rows(("OTHER", B), (number, B)), filed))

    for filed in (False, True):
        number = f"RACE-{filed}"
        answers: list[set[int]] = []
        with engine.begin() as first:
            assert numbers.claim(first, rows((number, A)), filed) == set()
            waiting = threading.Thread(target=second, args=(number, filed, answers))
            waiting.start()
            waiting.join(0.5)
            assert waiting.is_alive()  # waits on the first transaction's claim
        waiting.join(10)
        assert answers == [{1}]
