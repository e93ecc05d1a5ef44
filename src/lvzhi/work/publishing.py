"""Publishing lists: an imported dataset becomes a new immutable version; a person's check of its unsure rows
is recorded. Each is one transaction with its audit entry."""
from __future__ import annotations

from datetime import date

from ..model import LIST_KINDS, Dataset
from ..search.documents import make_documents
from ..store import Store
from ..store.repository import ImportResult, confirm_checked, save_dataset
from .audit import Actor, record


def publish(store: Store, actor: Actor, dataset: Dataset, source_name: str = "", label: str | None = None,
            effective_date: date | None = None) -> ImportResult:
    """Adds the lists as a new version of their town; the same content again adds nothing."""
    return store.run(lambda session: publish_in(session, actor, dataset, source_name, label, effective_date))


def publish_in(session, actor: Actor, dataset: Dataset, source_name: str = "", label: str | None = None,
               effective_date: date | None = None) -> ImportResult:
    """publish() inside the caller's transaction (a service that records more in the same unit of work)."""
    result = save_dataset(session, dataset, source_name=source_name, label=label, effective_date=effective_date,
                          documents=make_documents)
    if result.created:
        counts = {kind: len(dataset.items_of(kind)) for kind in LIST_KINDS}
        record(session, actor, "lists.import", "version", result.version_id, after={
            "town": result.town, "label": result.label, "source": source_name, "items": counts,
            "effective_date": effective_date.isoformat() if effective_date else None,
            "unsure_items": list(dataset.unsure)}, list_version=result.label)
    return result


def confirm(store: Store, actor: Actor, version_id: int, codes: list[str]) -> list[str]:
    """Records that a person checked these unsure rows of the version against the original document."""
    def work(session) -> list[str]:
        confirmed = confirm_checked(session, version_id, codes, by=actor.name)
        record(session, actor, "lists.confirm", "version", version_id, after={"checked": confirmed})
        return confirmed

    return store.run(work)
