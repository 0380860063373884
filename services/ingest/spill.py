"""The encoded documents of one filing request, held on disk until the whole request is validated.

Nothing of a request may reach the broker before its last row has been read (a malformed tail refuses
the whole return), yet a 1,000,000-document return must not be held in memory. The Avro-encoded
documents are therefore gathered into array blocks as they are accepted, written to a temporary file,
and read back per (filing, recipient) in table order, in chunks of at most `chunk_documents` documents.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

HELD_DOCUMENTS = 20_000  # documents held across all recipients before partial blocks are written

Block = tuple[int, int, int, int, int]  # table rank, sequence, offset, length, documents


class Spill:
    def __init__(self, encode_block: Callable[[list[bytes]], bytes], chunk_documents: int):
        self._encode = encode_block
        self._chunk = chunk_documents
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._pending: dict[tuple[int, str, int], list[bytes]] = {}
        self._held = 0
        self._blocks: dict[tuple[int, str], list[Block]] = {}
        self._sequence = 0

    def add(self, group: int, recipient: str, rank: int, item: bytes) -> None:
        """`group` is the filing within the request, `rank` the table's place in a return's order."""
        self._blocks.setdefault((group, recipient), [])
        key = (group, recipient, rank)
        records = self._pending.setdefault(key, [])
        records.append(item)
        self._held += 1
        if len(records) >= self._chunk:
            self._write(key)
        elif self._held >= HELD_DOCUMENTS:
            for pending in list(self._pending):
                self._write(pending)

    def _write(self, key: tuple[int, str, int]) -> None:
        records = self._pending.pop(key)
        data = self._encode(records)
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._blocks[key[:2]].append((key[2], self._sequence, offset, len(data), len(records)))
        self._sequence += 1
        self._held -= len(records)

    def recipients(self, group: int) -> list[str]:
        """Recipients of one filing in the order their first document was read."""
        return [recipient for g, recipient in self._blocks if g == group]

    def chunks(self, group: int, recipient: str) -> list[list[Block]]:
        for key in [k for k in self._pending if k[:2] == (group, recipient)]:
            self._write(key)
        found: list[list[Block]] = []
        size = 0
        for block in sorted(self._blocks[(group, recipient)]):
            if not found or size + block[4] > self._chunk:
                found.append([])
                size = 0
            found[-1].append(block)
            size += block[4]
        return found

    def read(self, blocks: list[Block]) -> Iterator[bytes]:
        for _, _, offset, length, _ in blocks:
            self._file.seek(offset)
            yield self._file.read(length)

    def close(self) -> None:
        self._file.close()
