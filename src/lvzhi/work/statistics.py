"""Statistics of a town (or of a district's towns): items per list and category, work recorded per office,
tickets and reviews per item over the months, flagged indicators per assessing department. Plain numbers; the
faces draw them (and show them as tables)."""
from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

from ..errors import Forbidden
from ..model import LIST_KINDS, LIST_SHORT_NAMES
from ..store.schema import ReviewRow, TicketRow
from .accounts import User
from .ledger import PAST_DUE
from .organisation import may_keep

MONTHS = 12
TOP_ITEMS = 10


class StatisticsDesk:
    def __init__(self, store, lists, ledger, indicators):
        self.store = store
        self.lists = lists
        self.ledger = ledger
        self.indicators = indicators

    def towns_of(self, user: User, district: str | None) -> list[str]:
        if district:
            if user.role != "admin":
                raise Forbidden(f"{user.role_name}无权查看全区统计")
            towns = [t.name for t in self.lists.towns() if t.district == district and t.current is not None]
            if not towns:
                known = "、".join(sorted({t.district for t in self.lists.towns() if t.district})) or "（无）"
                raise Forbidden(f"没有区县“{district}”的镇街。已有：{known}")
            return towns
        return []

    def town(self, user: User, town: str | None = None, district: str | None = None) -> dict:
        towns = self.towns_of(user, district) or [town or self.lists.default_town()]
        for name in towns:
            if not may_keep(user, name):
                raise Forbidden(f"{user.role_name}无权查看{name}的统计")
        lists = Counter()
        categories: Counter = Counter()
        for name in towns:
            dataset = self.lists.dataset(name)
            for kind in LIST_KINDS:
                lists[LIST_SHORT_NAMES[kind]] += len(dataset.items_of(kind))
                for category, count in dataset.categories(kind):
                    categories[f"{LIST_SHORT_NAMES[kind]}·{category}"] += count
        offices: dict[str, Counter] = defaultdict(Counter)
        for name in towns:
            for entry in self.ledger.entries(user, name):
                office = entry["office"] or "（未分工）"
                offices[office]["received"] += 1
                offices[office]["done"] += entry["done_on"] is not None
                offices[office]["overdue"] += entry["state"] in PAST_DUE
        with self.store.transaction() as session:
            tickets = session.execute(select(TicketRow.received_at, TicketRow.item_code).where(
                TicketRow.town.in_(towns))).all()
            reviews = session.execute(select(ReviewRow.submitted_at, ReviewRow.cited_items).where(
                ReviewRow.town.in_(towns))).all()
        months: dict[str, Counter] = defaultdict(Counter)
        per_item: Counter = Counter()
        for at, code in tickets:
            months[at.strftime("%Y-%m")]["tickets"] += 1
            per_item[code or "清单外"] += 1
        for at, cited in reviews:
            months[at.strftime("%Y-%m")]["reviews"] += 1
            for c in cited or [{"code": "清单外"}]:
                per_item[c["code"]] += 1
        flagged: dict[str, Counter] = {}
        for name in towns:
            for department, counts in self.indicators.flagged_by_department(user, name).items():
                flagged.setdefault(department, Counter()).update(counts)
        return {
            "towns": towns, "district": district,
            "lists": dict(lists), "categories": dict(categories.most_common()),
            "offices": {k: dict(v) for k, v in sorted(offices.items(), key=lambda kv: -kv[1]["received"])},
            "months": {m: {"tickets": months[m]["tickets"], "reviews": months[m]["reviews"]}
                       for m in sorted(months)[-MONTHS:]},
            "items": dict(per_item.most_common(TOP_ITEMS)),
            "flagged": {d: {"flagged": sum(v for k, v in c.items() if k != "ok"), "ok": c.get("ok", 0), **c}
                        for d, c in sorted(flagged.items(), key=lambda kv: -sum(v for k, v in kv[1].items()
                                                                                 if k != "ok"))},
        }
