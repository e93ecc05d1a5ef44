"""Putting a day's tickets from a hotline export into the queue: every good row becomes a pending ticket with
its suggestion, in one transaction; bad rows are reported by line and left out; re-importing skips known ids.
An id the file itself repeats is imported once when the texts agree, and not at all when they differ."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import select

from .accounts import User
from ..resolve import Resolver
from ..store import NotFound, Store
from ..store.schema import TicketRow
from ..dispatch.batch import route_texts
from ..dispatch.route import CHANNELS, channel_of
from .tickets import NewTicket, InvalidInput, clean, create
from ..formats.tickets import TicketFile, repeats

TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # ids the file carries twice with the same text: imported once
    skipped_empty: int = 0


def _time(value: str) -> datetime | None:
    value = value.strip().replace("T", " ")
    if not value:
        return None
    for layout in TIME_FORMATS:
        try:
            return datetime.strptime(value[:19], layout)
        except ValueError:
            continue
    raise InvalidInput(f"受理时间“{value}”无法识别（应如 2026-11-29 09:30）")


def import_tickets(store: Store, user: User, tickets: TicketFile, default_town: str,
                   lists: Callable[[str], tuple[Resolver, int, str]], default_channel: str = "12345") -> ImportReport:
    """lists(town) gives the town's resolver and current version (id, label); NotFound for an unknown town."""
    report = ImportReport(skipped_empty=tickets.skipped_empty)
    ready: list[tuple[int, NewTicket]] = []
    repeated = repeats(tickets)
    for key, repeat in repeated.items():
        if repeat.conflicting:
            report.problems.append(repeat.conflict("导入"))
        else:
            report.repeated.append(repeat.kept_once("导入"))
    for row in tickets.rows:
        if row.problem:
            report.problems.append(row.problem)
            continue
        repeat = repeated.get(row.fields["id"])
        if repeat is not None and (repeat.conflicting or row is not repeat.rows[0]):
            continue
        fields = row.fields
        try:
            named = fields.get("channel") or default_channel
            channel = channel_of(named)
            if channel is None:
                raise InvalidInput(f"渠道“{named}”不认识，可选：{'、'.join(CHANNELS)}（“12345热线”等写法亦可）")
            new = clean(NewTicket(fields["text"], fields.get("town") or default_town, channel,
                                  _time(fields.get("received_at", "")), fields["id"], fields.get("location", ""),
                                  fields.get("contact_name", ""), fields.get("contact_phone", ""),
                                  fields.get("urgency", "")))
            lists(new.town)
        except (InvalidInput, NotFound) as exc:
            report.problems.append(f"第 {row.line} 行：{exc}")
            continue
        ready.append((row.line, new))
    routed = {}
    for town in {new.town for _, new in ready}:
        resolver = lists(town)[0]
        texts = [new.text for _, new in ready if new.town == town]
        routed.update(zip(((town, t) for t in texts), route_texts(resolver, texts)))

    def work(session):
        known = set(session.scalars(select(TicketRow.external_id).where(
            TicketRow.external_id.in_([new.external_id for _, new in ready]))))
        for line, new in ready:
            if new.external_id in known:
                report.already.append(new.external_id)
                continue
            _, version_id, label = lists(new.town)
            report.created.append(create(session, user, new, routed[(new.town, new.text)], version_id, label).id)
            known.add(new.external_id)

    store.run(work)
    return report
