"""GSTN's file pieces of a large GSTR-2B (docs/rules.md §7.6): the statement's documents, in the order its one
body lists them (`docdata`'s lists, then its Rule 37A reversals, then `docRejdata`), cut into pieces of a fixed
number of documents; piece N (from 1) holds the Nth run of them. So the pieces' documents, one piece after the
other, are the one body's, each once and in its order.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("docdata", "itcrev", "docRejdata")  # where the one body lists documents, in its order
PART_BLOCKS = {"docdata": ("itcavl", "itcunavl"), "itcrev": ("itcrev",), "docRejdata": ("itcRejected",)}


@dataclass(frozen=True, slots=True)
class Pieces:
    counts: tuple[int, ...]  # documents of each part, in PARTS order
    size: int  # documents in a piece (the last may hold fewer)

    @classmethod
    def of(cls, block_counts: dict[str, int], size: int) -> Pieces:
        counts = tuple(sum(block_counts.get(block, 0) for block in PART_BLOCKS[part]) for part in PARTS)
        return cls(counts, max(1, size))

    @property
    def count(self) -> int:
        """How many pieces: at least one, which a statement without documents also has (its header)."""
        return max(1, -(-sum(self.counts) // self.size))

    def windows(self, number: int) -> dict[str, tuple[int, int]]:
        """Piece `number`'s documents of each part: (offset within the part, how many); (n, 0) for none."""
        if not 1 <= number <= self.count:
            raise ValueError(f"file_num: {number} is not a piece of this statement (1 to {self.count})")
        first, end = (number - 1) * self.size, number * self.size
        windows, start = {}, 0
        for part, count in zip(PARTS, self.counts, strict=True):
            low, high = max(first - start, 0), min(end - start, count)
            windows[part] = (min(low, count), max(high - low, 0))
            start += count
        return windows
