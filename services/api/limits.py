"""What one request body may hold, per endpoint, and why. `IMS_MAX_BODY_BYTES` (512 MiB by default) caps
them all; a return is streamed to disk and read one row at a time, so only it gets the whole of that.

Bodies of many records (SAVE / RESET, Bills of Entry) are also walked one record at a time, but each record
still costs its checked form and its line of the answer (an Item or a Document, an error row echoing what
identified it, and that row again in the logged and the sent answer: about 3 kB for a SAVE record, 6 kB for
a refused Bill of Entry), so they are capped in records as well as bytes: 20,000 SAVE records (GSTN's records
of 300-700 bytes fill 6-14 MiB at that count) and 5,000 Bills of Entry per request. Larger sets go in several
requests, or as one bulk action. A load of taxpayer names holds at most 50,000 rows (about 100 bytes a row as
CSV, twice that as JSON), 16 MiB.
The API's memory for any of these bodies stays within 4 x the largest limit (tests/e2e/test_body_memory.py).
A purchase register (services/recon) holds at most 100,000 rows in 64 MiB and a cancellation 100,000 voucher
ids: read and checked a row at a time, only the checked vouchers kept (not yet measured by that test).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import Settings

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limit:
    bytes: int
    records: int | None = None  # for bodies of many records

    def within(self, settings: Settings) -> int:
        return min(self.bytes, settings.max_body_bytes)


SAVE = Limit(16 * MiB, 20_000)  # SAVE and RESETIMS
UPLOAD = Limit(16 * MiB, 20_000)  # a documents workbook (XLSX or CSV): document rows, as many as a SAVE's records
BOE = Limit(8 * MiB, 5_000)
BULK = Limit(64 * 1024)  # an action, a filter, remarks and one ITC-reduction answer
RULE37A = Limit(16 * 1024)  # a supplier's missing periods
SMALL = Limit(4096)  # GSTR-3B filing, clock, profile, the reconciliation policy
TAXPAYERS = Limit(16 * MiB, 50_000)  # a load of the registry of taxpayer names (JSON or CSV)
LARGEST_SMALL = max(SAVE.bytes, UPLOAD.bytes, BOE.bytes, BULK.bytes, RULE37A.bytes, SMALL.bytes, TAXPAYERS.bytes)
PURCHASES = Limit(64 * MiB, 100_000)  # the recipient's purchase register (JSON or CSV): about 400 bytes a row as JSON
CANCELS = Limit(8 * MiB, 100_000)  # voucher ids to cancel
RECON_LINKS = Limit(2 * MiB, 10_000)  # manual links and unlinks of the reconciliation (about 150 bytes a row)
