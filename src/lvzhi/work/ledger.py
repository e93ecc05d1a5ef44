"""履职台账: the work recorded against each item — from admitted 事项准入 reviews, hotline tickets dispatched to the
town, and entries made by hand — with per office and month counts of items, tasks received, done and overdue.

Reviews and tickets are taken into the ledger when it is read (one transaction, idempotent: each source once).
A ticket's entry is due when the ticket is (its 办理时限) and done when the ticket is resolved or closed.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import from_utc
from ..errors import Conflict, InvalidInput, NotFound
from ..formats.organisation import ledger_workbook
from ..formats.sheets import table_bytes
from ..store.schema import LedgerRow, ReviewRow, TicketRow
from .accounts import User
from .audit import now, record
from .organisation import office_map, office_names, require_keeper
from .tickets import _text as clean_text

TICKET_DAYS = 15  # only for a ticket with no 办理时限 of its own (tickets carry one by urgency: dispatch/deadlines.yaml)
SOURCES = {"review": "事项准入", "ticket": "12345 工单", "manual": "手工登记"}
STATES = {"open": "办理中", "overdue": "逾期未完成", "done": "已完成", "late": "逾期完成"}
PAST_DUE = ("overdue", "late")  # counted as 逾期 in the per office and month table
MAX_TEXT = 2000
MAX_ATTACHMENTS = 20


def _state(row: LedgerRow, today: date) -> str:
    if row.done_on:
        return "late" if row.due_on and row.done_on > row.due_on else "done"
    return "overdue" if row.due_on and today > row.due_on else "open"


def sync(session: Session, town: str, leads: dict[str, str], titles: dict[str, str]) -> int:
    """Takes admitted reviews and dispatched tickets of the town into its ledger; returns how many were added."""
    offices = {name: row.id for name, row in office_map(session, town).items()}
    known = {(s, i): row for s, i, row in ((r.source, r.source_id, r) for r in session.scalars(
        select(LedgerRow).where(LedgerRow.town == town, LedgerRow.source != "manual")))}
    added = 0
    reviews = session.scalars(select(ReviewRow).where(ReviewRow.town == town, ReviewRow.state == "decided",
                                                      ReviewRow.decision.in_(("admit", "cooperate"))))
    for review in reviews:
        if ("review", review.id) in known or not review.cited_items:
            continue
        cited = review.cited_items[0]
        session.add(LedgerRow(town=town, code=cited["code"], title=cited.get("title", ""),
                              office_id=offices.get(leads.get(cited["code"], "")), source="review",
                              source_id=review.id, received_on=(review.decided_at or review.submitted_at).date(),
                              due_on=review.deadline, work=f"{review.issuing_department}交办：{review.title}",
                              result="", attachments=[], recorded_by="系统", recorded_at=now()))
        added += 1
    tickets = session.scalars(select(TicketRow).where(TicketRow.town == town, TicketRow.assignee_kind == "town",
                                                      TicketRow.dispatched_at.is_not(None),
                                                      TicketRow.item_code.is_not(None)))
    for ticket in tickets:
        finished = ticket.finished_at.date() if ticket.finished_at and ticket.state in ("resolved", "closed") else None
        entry = known.get(("ticket", ticket.id))
        if entry is not None:
            if finished and entry.done_on is None:
                entry.done_on, entry.result = finished, entry.result or "已办结"
            continue
        received = ticket.dispatched_at.date()
        title = titles.get(ticket.item_code, "")
        session.add(LedgerRow(town=town, code=ticket.item_code, title=title,
                              office_id=offices.get(leads.get(ticket.item_code, "")), source="ticket",
                              source_id=ticket.id, received_on=received,
                              due_on=from_utc(ticket.due_at).date() if ticket.due_at else received + timedelta(days=TICKET_DAYS),
                              done_on=finished, work=f"工单 {ticket.external_id or ticket.id}：{ticket.text[:80]}",
                              result="已办结" if finished else "", attachments=[], recorded_by="系统", recorded_at=now()))
        added += 1
    return added


def _attachments(names: list[str] | None) -> list[str]:
    names = [n.strip() for n in names or [] if n and n.strip()]
    if len(names) > MAX_ATTACHMENTS:
        raise InvalidInput(f"附件最多 {MAX_ATTACHMENTS} 个")
    return [n[:200] for n in names]


class LedgerDesk:
    def __init__(self, store, lists, organisation):
        self.store = store
        self.lists = lists
        self.organisation = organisation

    def _synced(self, town: str) -> None:
        leads = self.organisation.lead_offices(town)
        titles = {item.code: item.title for item in self.lists.dataset(town).items}
        self.store.run(lambda session: sync(session, town, leads, titles))

    def entries(self, user: User, town: str, code: str | None = None, month: str | None = None,
                office: str | None = None, state: str | None = None) -> list[dict]:
        """The town's entries, newest first; filtered by item, month received, lead office and state."""
        require_keeper(user, town, "查看")
        if state and state not in STATES:
            raise InvalidInput(f"不认识的状态“{state}”，可选：{'、'.join(f'{k}（{v}）' for k, v in STATES.items())}")
        self.lists.town(town)
        self._synced(town)
        today = date.today()
        with self.store.transaction() as session:
            names, state_filter = office_names(session, town), state
            query = select(LedgerRow).where(LedgerRow.town == town)
            if code:
                query = query.where(LedgerRow.code == code.strip().upper())
            rows = session.scalars(query.order_by(LedgerRow.received_on.desc(), LedgerRow.id.desc())).all()
            result = []
            for row in rows:
                if month and row.received_on.strftime("%Y-%m") != month:
                    continue
                if office and names.get(row.office_id or 0, "") != office:
                    continue
                state = _state(row, today)
                if state_filter and state != state_filter:
                    continue
                result.append({"id": row.id, "code": row.code, "title": row.title,
                               "office": names.get(row.office_id or 0), "source": row.source,
                               "source_name": SOURCES[row.source], "source_id": row.source_id,
                               "source_url": {"review": f"/reviews/{row.source_id}",
                                              "ticket": f"/tickets/{row.source_id}"}.get(row.source),
                               "received_on": row.received_on.isoformat(),
                               "due_on": row.due_on.isoformat() if row.due_on else None,
                               "done_on": row.done_on.isoformat() if row.done_on else None,
                               "work": row.work, "result": row.result, "attachments": list(row.attachments),
                               "state": state, "state_name": STATES[state], "recorded_by": row.recorded_by})
            return result

    def summary(self, user: User, town: str, month: str | None = None) -> list[dict]:
        """Per lead office and month: distinct items, tasks received, done, overdue."""
        table: dict[tuple[str, str], dict] = defaultdict(lambda: {"items": set(), "received": 0, "done": 0,
                                                                   "overdue": 0})
        for entry in self.entries(user, town, month=month):
            cell = table[(entry["office"] or "（未分工）", entry["received_on"][:7])]
            cell["items"].add(entry["code"])
            cell["received"] += 1
            cell["done"] += entry["done_on"] is not None
            cell["overdue"] += entry["state"] in PAST_DUE
        return [{"office": o, "month": m, "items": len(c["items"]), "received": c["received"], "done": c["done"],
                 "overdue": c["overdue"]} for (o, m), c in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0]),
                                                                   reverse=True)]

    def add(self, user: User, town: str, code: str, received_on: date, work: str, result: str = "",
            done_on: date | None = None, due_on: date | None = None, attachments: list[str] | None = None) -> dict:
        require_keeper(user, town, "登记")
        version = self.lists.version(town)
        item = self.lists.item(town, code, version.id)
        work = clean_text(work, "办理情况", MAX_TEXT, required=True)
        result = clean_text(result, "办理结果", MAX_TEXT)
        files = _attachments(attachments)
        if received_on > date.today():
            raise InvalidInput("日期不能晚于今天")
        if done_on and done_on < received_on:
            raise InvalidInput("完成日期不能早于收到日期")
        if done_on and done_on > date.today():
            raise InvalidInput("完成日期不能晚于今天")
        if due_on and due_on < received_on:
            raise InvalidInput("期限不能早于收到日期")
        lead = self.organisation.lead_offices(town).get(item.code, "")

        def act(session):
            office = office_map(session, town).get(lead)
            row = LedgerRow(town=town, code=item.code, title=item.title, office_id=office.id if office else None,
                            source="manual", source_id=None, received_on=received_on, due_on=due_on, done_on=done_on,
                            work=work, result=result, attachments=files, recorded_by=user.actor.name,
                            recorded_at=now())
            session.add(row)
            session.flush()
            record(session, user.actor, "ledger.add", "ledger", row.id, after={
                "town": town, "code": item.code, "received_on": received_on.isoformat(), "work": work,
                "result": result, "attachments": files}, list_version=version.label)
            return {"id": row.id, "code": item.code, "office": lead or None}

        return self.store.run(act)

    def finish(self, user: User, town: str, entry_id: int, done_on: date, result: str,
               attachments: list[str] | None = None) -> dict:
        """Marks an entry done on a day with its result (and the names of the papers that show it); an entry
        done already is not finished again."""
        require_keeper(user, town, "登记")
        self.lists.town(town)
        result = clean_text(result, "办理结果", MAX_TEXT, required=True)
        files = _attachments(attachments)
        if done_on > date.today():
            raise InvalidInput("完成日期不能晚于今天")

        def act(session):
            row = session.get(LedgerRow, entry_id)
            if row is None or row.town != town:
                raise NotFound(f"{town}的台账中没有编号为 {entry_id} 的记录")
            if row.done_on is not None:
                raise Conflict(f"台账记录 {entry_id}（{row.code}）已于 {row.done_on.isoformat()} 完成，不能再次办结")
            if done_on < row.received_on:
                raise InvalidInput(f"完成日期 {done_on.isoformat()} 不能早于收到日期 {row.received_on.isoformat()}")
            joined = list(dict.fromkeys([*row.attachments, *files]))
            if len(joined) > MAX_ATTACHMENTS:
                raise InvalidInput(f"附件最多 {MAX_ATTACHMENTS} 个（已有 {len(row.attachments)} 个）")
            before = {"done_on": None, "result": row.result, "attachments": list(row.attachments)}
            row.done_on, row.result, row.attachments = done_on, result, joined
            late = bool(row.due_on and done_on > row.due_on)
            record(session, user.actor, "ledger.finish", "ledger", row.id, before,
                   {"town": town, "code": row.code, "done_on": done_on.isoformat(), "result": result,
                    "attachments": joined, "due_on": row.due_on.isoformat() if row.due_on else None})
            return {"id": row.id, "code": row.code, "done_on": done_on.isoformat(), "late": late,
                    "state": "late" if late else "done"}

        return self.store.run(act)

    def of_item(self, user: User, town: str, code: str) -> dict:
        """How many entries an item has and how many are open or overdue (for the item page)."""
        entries = self.entries(user, town, code=code)
        return {"total": len(entries), "open": sum(1 for e in entries if e["done_on"] is None),
                "overdue": sum(1 for e in entries if e["state"] == "overdue"),
                "url": f"/ledger/{town}?code={code}"}

    def workbook(self, user: User, town: str, month: str | None = None) -> bytes:
        return table_bytes(ledger_workbook(town, self.entries(user, town, month=month),
                                           self.summary(user, town, month)), "xlsx")
