"""The pure reconciliation engine alone (`python -m bench.recon_engine [--size N]`): N vouchers against N IMS
documents of one recipient, seeded, about 9 in 10 paired exactly and the rest with the slips of
tests/unit/test_recon_reference.py; prints the seconds to match and to reconcile (categories, explanations,
suggestions) and documents per second. Not yet a stage of `make bench`."""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import date, timedelta

from services.recon.domain.documents import Amounts, BookDoc, ImsDoc
from services.recon.domain.matching import match
from services.recon.domain.policy import Policy
from services.recon.domain.reconcile import reconcile


def registers(size: int, seed: int = 7) -> tuple[list[BookDoc], list[ImsDoc]]:
    rng = random.Random(seed)
    suppliers = [f"{rng.choice(('27', '29', '33'))}AAPF{n:05d}F1Z5" for n in range(max(1, size // 50))]
    books, ims = [], []
    for n in range(size):
        ctin = rng.choice(suppliers)
        day = date(2025, 4, 1) + timedelta(days=rng.randrange(365))
        txval = rng.randrange(1_000, 10_000_000)
        amounts = Amounts(txval, txval * 18 // 100, 0, 0, 0)
        number = f"INV/{n:06d}/2025-26"
        doc = ImsDoc(f"D{n}", rng.choice(("b2b", "b2b", "b2b", "b2bcn", "b2bdn")), ctin, number, day, "29", False,
                     amounts)  # fmt: skip
        kind = {"b2b": "INV", "b2bcn": "CN", "b2bdn": "DN"}[doc.section]
        book = BookDoc(f"V{n}", ctin, kind, number, day, day, "29", False, amounts)
        roll = rng.random()
        if roll < 0.03:
            book = replace(book, number=f"inv-{n}")
        elif roll < 0.05:
            book = replace(book, amounts=replace(amounts, txval=txval + rng.choice((-100, 50, 100_00))))
        elif roll < 0.06:
            book = replace(book, ctin=ctin[:0] + ("33" if ctin[:2] != "33" else "27") + ctin[2:])
        elif roll < 0.08:
            book = replace(book, number=number + "X", dt=day + timedelta(days=3))
        if roll > 0.99:
            books.append(book)
        elif roll > 0.98:
            ims.append(doc)
        else:
            books.append(book)
            ims.append(doc)
    return books, ims


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    size = parser.parse_args().size
    books, ims = registers(size)
    started = time.perf_counter()
    pairs = len(match(books, ims, Policy()).pairs)
    matched = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = reconcile(books, ims, Policy(), period_end=date(2026, 3, 31)).outcomes
    whole = time.perf_counter() - started
    total = len(books) + len(ims)
    print(f"{len(books):,} vouchers x {len(ims):,} IMS documents: {pairs:,} pairs")
    print(f"match      {matched:6.2f} s  {total / matched:10,.0f} documents/s")
    print(f"reconcile  {whole:6.2f} s  {total / whole:10,.0f} documents/s  ({len(outcomes):,} outcomes)")


if __name__ == "__main__":
    main()
