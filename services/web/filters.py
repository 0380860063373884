"""The documents filter of the pages (supplier, status, section or tab, period, number prefix) read from a
query or a form, checked as the API checks GETINV's, into the same `Selection` the API and bulk actions use.
A value the API would refuse is reported on the page by name instead of answering an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from services.actions.views.queries import Selection
from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.common.gst.periods import InvalidPeriod, Period
from services.common.gst.sections import GROUPS, SECTION_BY_KEY

FIELDS = ("group", "section", "status", "stin", "rtnprd", "q")
STATUSES = ("N", "A", "R", "P")
MAX_PREFIX = 16


@dataclass(frozen=True, slots=True)
class Filters:
    values: dict[str, str]  # as typed (only the fields that were given)
    selection: Selection | None  # None when a value is refused
    problems: tuple[str, ...] = ()

    def query(self, **extra: str) -> str:
        """The filter as a query string (with `extra`, e.g. a cursor), for links that keep it."""
        return urlencode({**self.values, **{k: v for k, v in extra.items() if v}})

    def get(self, name: str) -> str:
        return self.values.get(name, "")


def read(recipient: str, params: Mapping[str, str]) -> Filters:
    values = {name: str(params.get(name, "")).strip() for name in FIELDS}
    values = {k: v for k, v in values.items() if v}
    problems = []
    group, section, status = values.get("group"), values.get("section"), values.get("status")
    stin, rtnprd, prefix = values.get("stin"), values.get("rtnprd"), values.get("q")
    if group is not None and group not in GROUPS:
        problems.append(f"Tab: no such tab {group[:20]!r}.")
    if section is not None and section not in SECTION_BY_KEY:
        problems.append(f"Section: no such section {section[:20]!r}.")
    if status is not None and status not in STATUSES:
        problems.append("Status: choose No Action, Accepted, Rejected or Pending.")
    if stin is not None:
        try:
            stin = parse_gstin(stin).value
            values["stin"] = stin
        except InvalidGstin as exc:
            problems.append(f"Supplier GSTIN: {exc}.")
    if rtnprd is not None:
        try:
            Period.parse(rtnprd)
        except InvalidPeriod as exc:
            problems.append(f"Period: {exc}.")
    if prefix is not None and len(prefix) > MAX_PREFIX:
        problems.append(f"Number starts with: at most {MAX_PREFIX} characters.")
    if problems:
        return Filters(values, None, tuple(problems))
    return Filters(values, Selection(recipient, section, status, stin, rtnprd, prefix, group))
