"""Dated versions: which of a town's versions is in force on a day, which is still to come.

A version takes effect on its effective date. One imported without a date takes effect on the day it was
imported, except a town's first version: nothing came before it, so it answers for every earlier day too
(the bundled official lists carry no date in their text).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..errors import NotFound
from ..store.reading import SINCE_ALWAYS, TownRecord, VersionRecord, in_force_from, version_in_force


@dataclass(frozen=True)
class VersionInfo:
    id: int
    town: str
    label: str
    in_force_from: date  # SINCE_ALWAYS for an undated first version
    effective_date: date | None  # as given at import; None when no date was given
    imported_at: datetime
    source_name: str
    sha256: str
    items: int = 0
    unsure: tuple[str, ...] = ()  # codes the import could not place by layout alone: to check against the original

    @property
    def dated(self) -> bool:
        return self.effective_date is not None

    @property
    def since_text(self) -> str:
        """How pages and tables say when it took effect."""
        if self.effective_date is not None:
            return f"{self.effective_date.isoformat()} 起"
        if self.in_force_from == SINCE_ALWAYS:
            return "未载明生效日期（首个版本）"
        return f"{self.in_force_from.isoformat()} 起（未载明生效日期，按导入日）"

    def to_dict(self) -> dict:
        return {"id": self.id, "town": self.town, "label": self.label,
                "effective_date": self.effective_date.isoformat() if self.effective_date else None,
                "in_force_from": None if self.in_force_from == SINCE_ALWAYS else self.in_force_from.isoformat(),
                "imported_at": self.imported_at.isoformat(), "source_name": self.source_name, "sha256": self.sha256,
                "unsure_items": list(self.unsure)}


@dataclass(frozen=True)
class TownInfo:
    name: str
    district: str
    city: str
    versions: tuple[VersionInfo, ...]  # in import order

    def in_force(self, on: date) -> VersionInfo | None:
        """The latest version whose date has come by `on` (of two with one date, the later import)."""
        found = version_in_force([(v.id, v.in_force_from) for v in self.versions], on)
        return next(v for v in self.versions if v.id == found) if found is not None else None

    @property
    def current(self) -> VersionInfo | None:
        return self.in_force(date.today())

    def upcoming(self, on: date | None = None) -> list[VersionInfo]:
        """Versions that take effect after `on` (today), soonest first: shown as 待生效."""
        on = on or date.today()
        return sorted((v for v in self.versions if v.in_force_from > on), key=lambda v: (v.in_force_from, v.id))

    def state(self, version: VersionInfo, on: date | None = None) -> str:
        """现行, 待生效 or 已被取代, as of `on` (today)."""
        on = on or date.today()
        current = self.in_force(on)
        if current is not None and version.id == current.id:
            return "现行"
        return "待生效" if version.in_force_from > on else "已被取代"

    def version_on(self, on: date) -> VersionInfo:
        version = self.in_force(on)
        if version is None:
            first = min(self.versions, key=lambda v: v.in_force_from)
            raise NotFound(f"{self.name}在 {on.isoformat()} 还没有生效的清单版本"
                           f"（最早的版本“{first.label}”自 {first.in_force_from.isoformat()} 起生效）")
        return version


def town_info(record: TownRecord) -> TownInfo:
    versions = tuple(_version_info(record.name, v, first=(n == 0)) for n, v in enumerate(record.versions))
    return TownInfo(record.name, record.district, record.city, versions)


def _version_info(town: str, v: VersionRecord, first: bool) -> VersionInfo:
    return VersionInfo(v.id, town, v.label, in_force_from(v.effective_date, v.imported_at, first), v.effective_date, v.imported_at, v.source_name, v.sha256,
                       v.items, v.unsure)
