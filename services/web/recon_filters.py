"""The reconciliation page's filter (financial year, period, supplier, category, section, page) read from the
query and checked as `GET /v1/ims/{gstin}/recon` checks it (services/recon/http.py, services/recon/views.py
`start_year_of`), into the same `Filter`. A value the API would refuse is named on the page instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.common.gst.periods import InvalidPeriod, Period
from services.common.gst.sections import SECTION_BY_KEY
from services.recon.domain.suggest import CATEGORIES
from services.recon.domain.summary import Filter
from services.recon.views import start_year_of

FIELDS = ("fy", "period", "supplier", "category", "section")


@dataclass(frozen=True, slots=True)
class ReconFilters:
    values: dict[str, str]  # as given, only the fields that were (fy always: the year shown)
    start_year: int
    chosen: Filter  # the API's filter; the values refused are left out of it
    page: int = 1
    problems: tuple[str, ...] = ()

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def query(self, **changes: str) -> str:
        """The filter as a query string with `changes` (a value "" drops the field), for the page's links."""
        wanted = {**self.values, **changes}
        return urlencode({k: v for k, v in wanted.items() if v})

    @property
    def overview(self) -> Filter:
        """What the summary covers: the filter but its category, so every category's count stays in view."""
        return replace(self.chosen, category=None)

    @property
    def fy_label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


def read(params: Mapping[str, str], default_year: int) -> ReconFilters:
    values = {name: str(params.get(name, "")).strip()[:20] for name in FIELDS}
    values = {k: v for k, v in values.items() if v}
    problems: list[str] = []
    period = supplier = category = section = None
    if "period" in values:
        try:
            period = Period.parse(values["period"])
        except InvalidPeriod as exc:
            problems.append(f"Period: {exc}.")
    if "supplier" in values:
        try:
            supplier = values["supplier"] = parse_gstin(values["supplier"].upper()).value
        except InvalidGstin as exc:
            problems.append(f"Supplier GSTIN: {exc}.")
    if "category" in values:
        category = values["category"] if values["category"] in CATEGORIES else None
        if category is None:
            problems.append("Category: choose one from the list.")
    if "section" in values:
        section = values["section"] if values["section"] in SECTION_BY_KEY else None
        if section is None:
            problems.append("Section: choose one from the list.")
    if "fy" not in values and period is None:
        start_year = default_year
    else:
        try:
            start_year = start_year_of(values.get("fy"), period)
        except ValueError as exc:
            problems.append(f"Financial year: {str(exc).removeprefix('fy: ').removeprefix('period: ')}.")
            start_year = period.financial_year if period is not None else default_year
    if period is None:
        values.pop("period", None)
    values["fy"] = f"{start_year}-{(start_year + 1) % 100:02d}"
    page = params.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    chosen = Filter(period, supplier, category, section)
    return ReconFilters(values, start_year, chosen, max(number, 1), tuple(problems))
