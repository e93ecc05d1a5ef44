"""All services over one store and its read side, as a face builds them once."""
from __future__ import annotations

from dataclasses import dataclass

from ..lists.catalog import Catalog
from .accounts import AccountDesk
from .audit import AuditLog
from .directory import DirectoryDesk
from .indicators import IndicatorDesk
from .ledger import LedgerDesk
from .organisation import OrganisationDesk
from .places import PlacesDesk
from .proposals import ProposalDesk
from .reviews import ReviewDesk
from .statistics import StatisticsDesk
from .tickets import TicketDesk


@dataclass(frozen=True)
class Services:
    lists: Catalog
    reviews: ReviewDesk
    tickets: TicketDesk
    accounts: AccountDesk
    audit: AuditLog
    organisation: OrganisationDesk
    ledger: LedgerDesk
    indicators: IndicatorDesk
    statistics: StatisticsDesk
    proposals: ProposalDesk
    directory: DirectoryDesk
    places: PlacesDesk

    @classmethod
    def over(cls, lists: Catalog) -> "Services":
        store = lists.store
        organisation = OrganisationDesk(store, lists)
        ledger = LedgerDesk(store, lists, organisation)
        indicators = IndicatorDesk(store, lists)
        return cls(lists, ReviewDesk(store, lists), TicketDesk(store, lists), AccountDesk(store), AuditLog(store),
                   organisation, ledger, indicators, StatisticsDesk(store, lists, ledger, indicators),
                   ProposalDesk(store, lists), DirectoryDesk(store, lists), PlacesDesk(store, lists))
