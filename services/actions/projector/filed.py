"""IMS projector, `DocumentsFiled`: what a supplier's filing does to the recipient's documents (docs/rules.md §5).

Each document is decided in log order by `domain.filings`; an amendment is linked into its chain
(`domain.chains`): the previous link is amended, superseded while live, and given back its place when a
saved link is deleted. Everything a filing can touch is loaded up front, one query per chain depth.
"""

from __future__ import annotations

from typing import Any

from services.actions.domain import chains
from services.actions.domain.filings import FilingFacts, decide_filing, supersedes
from services.actions.domain.model import ImsDocument, evolve
from services.actions.projector.batch import Batch, Key
from services.common.events import DocumentsFiledV2, FiledDocument
from services.common.runner import Delivered


def on_documents_filed(work: Batch, message: Delivered[DocumentsFiledV2], _clock: dict[str, str]) -> None:
    event = message.event
    recipient = event.recipient
    facts = FilingFacts(
        recipient,
        event.status,
        event.filed_on,
        event.reference_id,
        event.return_period,
        work.quarterly.get(recipient, False),
    )
    _preload_chains(work, recipient, event.documents, facts.return_period)
    for index, doc in enumerate(event.documents):
        key = (recipient, doc["key"])
        current = work.get(key)
        if doc["original_key"] and chains.reamends(current, facts.return_period):
            doc = {**doc, "key": chains.instance_key(doc["key"], facts.return_period)}
            key = (recipient, doc["key"])
            current = work.get(key)
        prior_key, prior = _prior_link(work, recipient, doc["original_key"], doc["key"])
        outcome = decide_filing(current, doc, facts, prior)
        if outcome.refusal is not None:
            work.refuse(
                message,
                index,
                facts.reference_id,
                key,
                doc["section"],
                outcome.refusal.code,
                outcome.refusal.message,
            )
            work.note(message, index, key, "refused", {"error_cd": outcome.refusal.code})
            continue
        if not outcome.changed:
            continue
        work.put(key, outcome.document)
        work.note(message, index, key, outcome.what, {"hash": doc["version_hash"], "status": facts.status})
        if prior_key is not None and prior is not None:
            _relink(work, message, index, prior_key, prior, key, current, outcome.document)


def _preload_chains(work: Batch, recipient: str, documents: list[FiledDocument], return_period: str) -> None:
    """Everything the filing can touch, a query per chain depth: its keys, where a re-amendment would be
    kept, the originals, and the links that follow them."""
    amendments = [doc for doc in documents if doc["original_key"]]
    work.preload(
        {(recipient, doc["key"]) for doc in documents}
        | {(recipient, chains.instance_key(doc["key"], return_period)) for doc in amendments}
    )
    frontier = {(recipient, original) for doc in amendments if (original := doc["original_key"])}
    while frontier:
        work.preload(frontier)
        frontier = {
            (recipient, link.amended_by)
            for key in frontier
            if (link := work.state.get(key)) is not None and link.amended_by
        } - work.state.keys()


def _prior_link(
    work: Batch, recipient: str, original_key: str | None, key: str
) -> tuple[Key | None, ImsDocument | None]:
    """The link of the chain `key` amends: the original, or the latest amendment before `key`."""
    if not original_key:
        return None, None
    link_key: Key = (recipient, original_key)
    link = work.get(link_key)
    seen = {link_key}
    while link is not None and link.amended_by and link.amended_by != key:
        next_key = (recipient, link.amended_by)
        following = None if next_key in seen else work.get(next_key)
        if following is None:
            break
        seen.add(next_key)
        link_key, link = next_key, following
    return link_key, link


def _relink(
    work: Batch,
    message: Delivered[DocumentsFiledV2],
    index: int,
    prior_key: Key,
    prior: ImsDocument,
    key: Key,
    before: ImsDocument | None,
    after: ImsDocument | None,
) -> None:
    """The previous link after a link was filed (it is amended, and superseded while live) or a saved
    link was deleted (the previous link takes its place again)."""
    if after is None:
        following = before.amended_by if before is not None else None
        changes: dict[str, Any] = {}
        if prior.amended_by == key[1]:
            changes["amended_by"] = following
        if prior.superseded_by == key[1]:
            changes["superseded_by"] = following
            if following is None:
                work.note(message, index, prior_key, "restored", {"deleted": key[1]})
        if changes:
            work.put(prior_key, evolve(prior, **changes))
        return
    changes = {} if prior.amended_by == key[1] else {"amended_by": key[1]}
    if supersedes(after, prior):
        changes["superseded_by"] = key[1]
        work.note(message, index, prior_key, "superseded", {"by": key[1]})
    if changes:
        work.put(prior_key, evolve(prior, **changes))
