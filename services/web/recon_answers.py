"""What the reconciliation page says about its two actions, shaped from the API's own answers and selection. Pure:
the routes (services/web/recon_acting.py, recon_page.py) read and send, this only lays out.

- A manual link or unlink answers as `POST .../recon/links` does (services/recon/policy_links.py
  `change_links`): counts of linked / unlinked / unchanged and a refused row per refusal, with its reason. Until
  the `recon` projection has the change the page says so ("being applied") rather than show the old pairing.
- "Apply suggestions" is confirmed first: the outcomes `POST .../recon/apply` would send
  (services/actions/commands/reconciled.py `to_send`), counted per suggested action, the first of them listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.recon.domain.reconcile import Outcome
from services.web import formats
from services.web.recon_view import CATEGORY_LABELS, SUGGESTION_LABELS, candidate_name
from services.web.viewmodels import DOCUMENT_TYPES, STATUS_LABELS

SHOWN = 50  # outcomes listed on the confirmation; the rest are counted


@dataclass(frozen=True, slots=True)
class LinkRefusal:
    voucher_id: str
    document: str  # the document's number and supplier, "" for an unlink
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class LinksAnswer:
    reference_id: str
    linked: int
    unlinked: int
    unchanged: int
    refused: tuple[LinkRefusal, ...]
    applying: bool  # the projection had not applied the change when the page was read

    @property
    def headline(self) -> str:
        done = [f"{self.linked} linked by hand"] if self.linked else []
        done += [f"{self.unlinked} unlinked"] if self.unlinked else []
        done += [f"{self.unchanged} already so"] if self.unchanged else []
        done += [f"{len(self.refused)} refused"] if self.refused else []
        return "; ".join(done) or "nothing to do"


def links_answer(answer: Mapping[str, Any], applying: bool) -> LinksAnswer | None:
    """A logged answer of `change_links` as the page reports it; None for another request's (a policy's)."""
    counts = answer.get("links")
    if not isinstance(counts, Mapping):
        return None
    refused = tuple(
        LinkRefusal(
            str(row.get("voucher_id", "")),
            candidate_name(str(row["doc_id"])) if row.get("doc_id") else "",
            str(row.get("error_cd", "")),
            str(row.get("error_msg", "")),
        )
        for kind in ("unlink", "link")
        for row in answer.get("error_report", {}).get(kind, [])
    )
    changed = int(counts.get("linked", 0)) + int(counts.get("unlinked", 0))
    return LinksAnswer(
        str(answer.get("reference_id", "")),
        int(counts.get("linked", 0)),
        int(counts.get("unlinked", 0)),
        int(counts.get("unchanged", 0)),
        refused,
        applying and changed > 0,
    )


@dataclass(frozen=True, slots=True)
class Change:
    supplier: str
    supplier_name: str
    number: str
    date: str
    type: str
    category: str
    now: str
    after: str
    voucher_id: str  # the books' side, "" for a document not in the books


@dataclass(frozen=True, slots=True)
class ApplyReview:
    total: int
    per_action: tuple[tuple[str, int], ...]  # ("Accept", 3), in the order Accept, Reject, Keep pending
    shown: tuple[Change, ...]

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def apply_review(sent: Sequence[Outcome], names: Mapping[str, str]) -> ApplyReview:
    """The documents "apply suggestions" would change, in the reconciliation's order (the order they are sent)."""
    shown = []
    for o in sent[:SHOWN]:
        assert o.ims is not None
        doc = o.ims
        shown.append(
            Change(
                doc.ctin,
                names.get(doc.ctin, ""),
                doc.number,
                formats.day(doc.dt.isoformat()),
                DOCUMENT_TYPES.get(doc.section, doc.section),
                CATEGORY_LABELS[o.category],
                STATUS_LABELS.get(doc.action, doc.action),
                SUGGESTION_LABELS[o.suggestion.action],
                o.book.voucher_id if o.book is not None else "",
            )
        )
    actions = [o.suggestion.action for o in sent]
    per_action = tuple((SUGGESTION_LABELS[a], actions.count(a)) for a in ("A", "R", "P") if a in actions)
    return ApplyReview(len(sent), per_action, tuple(shown))


def sent_fingerprint(sent: Sequence[Outcome]) -> list[tuple[str, str]]:
    """(document, its version, current action and suggested action) of each outcome to send: what the
    confirmation showed, so the apply refuses whole if the reconciliation would now send anything else, or
    change a document from another action than the one shown."""
    return [
        (o.ims.doc_key, f"{o.ims.version_hash}:{o.ims.action}>{o.suggestion.action}") for o in sent if o.ims is not None
    ]
