"""GSTN's file pieces of a GSTR-2B (docs/rules.md §7.6), without servers: the pieces cut the one body's documents
into runs of a fixed size, each document in exactly one piece and in the one body's order."""

from __future__ import annotations

import itertools

import pytest

from services.common.settings import ENV_VARS, Settings
from services.gstr2b.domain.pieces import PARTS, Pieces


def _documents_of(pieces: Pieces, number: int) -> list[tuple[str, int]]:
    return [
        (part, index)
        for part, (offset, count) in pieces.windows(number).items()
        for index in range(offset, offset + count)
    ]


@pytest.mark.parametrize("counts", [(0, 0, 0), (1, 0, 0), (7, 3, 5), (0, 4, 0), (10, 0, 10), (3, 3, 3)])
@pytest.mark.parametrize("size", [1, 2, 4, 10, 25])
def test_the_pieces_hold_every_document_once_in_the_one_bodys_order(counts: tuple[int, int, int], size: int) -> None:
    pieces = Pieces(counts, size)
    one_body = [(part, index) for part, count in zip(PARTS, counts, strict=True) for index in range(count)]
    found = [_documents_of(pieces, n) for n in range(1, pieces.count + 1)]
    assert list(itertools.chain.from_iterable(found)) == one_body
    assert all(len(piece) == size for piece in found[:-1]), "every piece but the last is full"
    assert 0 < len(found[-1]) <= size or one_body == []
    assert pieces.count == max(1, -(-sum(counts) // size))


def test_a_statement_without_documents_is_one_piece_and_a_piece_past_the_last_is_refused_naming_file_num() -> None:
    assert Pieces((0, 0, 0), 10).count == 1 and _documents_of(Pieces((0, 0, 0), 10), 1) == []
    with pytest.raises(ValueError, match="file_num: 3"):
        Pieces((5, 0, 0), 3).windows(3)
    with pytest.raises(ValueError, match="file_num: 0"):
        Pieces((5, 0, 0), 3).windows(0)


def test_the_piece_size_is_a_setting_at_least_one_that_reaches_a_child_process() -> None:
    assert "IMS_GSTR2B_PIECE_DOCUMENTS" in ENV_VARS
    assert Settings.from_env({}).gstr2b_piece_documents == 10_000
    settings = Settings.from_env({"IMS_GSTR2B_PIECE_DOCUMENTS": "250"})
    assert Settings.from_env(settings.to_env()).gstr2b_piece_documents == 250
    assert Settings.from_env({"IMS_GSTR2B_PIECE_DOCUMENTS": "0"}).gstr2b_piece_documents == 1
    assert Pieces.of({"itcavl": 2, "itcunavl": 1, "itcRejected": 4}, 0) == Pieces((3, 0, 4), 1)
