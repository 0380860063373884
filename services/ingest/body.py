"""A return as received: spooled to disk past a few megabytes, hashed and compressed as it arrives.

The archive keeps these exact bytes (gzip) with their SHA-256; the streamed reader opens the spool as
often as it needs, so a 500 MB body never has to sit in memory as bytes or as a parsed tree.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import zlib
from pathlib import Path
from typing import IO

IN_MEMORY_BYTES = 8 << 20
_GZIP = 16 + zlib.MAX_WBITS


class BodyTooLarge(ValueError):
    """The body exceeds the configured limit; nothing of it is kept."""


class RawReturn:
    def __init__(self, limit: int | None = None):
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: IO[bytes] | None = None
        self._path: str | None = None
        self._sha = hashlib.sha256()
        self._gzip = zlib.compressobj(1, zlib.DEFLATED, _GZIP)
        self._compressed = io.BytesIO()
        self._limit = limit
        self.size = 0
        self._finished = False

    @classmethod
    def of_bytes(cls, raw: bytes) -> RawReturn:
        body = cls()
        body.write(raw)
        return body.finish()

    @classmethod
    def of_file(cls, path: Path, limit: int | None = None) -> RawReturn:
        body = cls(limit)
        with open(path, "rb") as source:
            while block := source.read(1 << 20):
                body.write(block)
        return body.finish()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._limit is not None and self.size > self._limit:
            self.close()
            raise BodyTooLarge(f"body: exceeds the limit of {self._limit} bytes")
        if self._memory is not None and self.size > IN_MEMORY_BYTES:
            fd, self._path = tempfile.mkstemp(prefix="ims-return-", suffix=".json")
            self._file = os.fdopen(fd, "wb")
            self._file.write(self._memory.getvalue())
            self._memory = None
        (self._file or self._memory).write(chunk)  # type: ignore[union-attr]
        self._sha.update(chunk)
        self._compressed.write(self._gzip.compress(chunk))

    def finish(self) -> RawReturn:
        if not self._finished:
            self._compressed.write(self._gzip.flush())
            if self._file is not None:
                self._file.close()
            self._finished = True
        return self

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    @property
    def gzip(self) -> bytes:
        return self._compressed.getvalue()

    def open(self) -> IO[bytes]:
        """A fresh reader from the first byte; the caller closes it."""
        assert self._finished, "finish() the body before reading it"
        if self._path is not None:
            return open(self._path, "rb")
        assert self._memory is not None
        return io.BytesIO(self._memory.getbuffer())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            self._path = None

    def __enter__(self) -> RawReturn:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
