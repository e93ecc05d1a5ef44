"""All services over one store and its read side, as a face builds them once."""
from __future__ import annotations

from dataclasses import dataclass

from ..lists.catalog import Catalog
from .accounts import AccountDesk
from .audit import AuditLog
from .proposals import ProposalDesk
from .reviews import ReviewDesk
from .tickets import TicketDesk


@dataclass(frozen=True)
class Services:
    lists: Catalog
    reviews: ReviewDesk
    tickets: TicketDesk
    accounts: AccountDesk
    audit: AuditLog
    proposals: ProposalDesk

    @classmethod
    def over(cls, lists: Catalog) -> "Services":
        store = lists.store
        return cls(lists, ReviewDesk(store, lists), TicketDesk(store, lists), AccountDesk(store), AuditLog(store),
                   ProposalDesk(store))
