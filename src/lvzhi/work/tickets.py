"""Hotline requests as records: create (with the lists' suggestion), dispatch, work, dispute, re-dispatch.

States are few and explicit (after Open311 and FixMyStreet): 待分派 → 已分派 → 办理中 → 已办结 / 已关闭, and
退单申请 from 已分派 or 办理中, decided by a dispatcher as 改派 (to another assignee) or 驳回 (back to the same).
Every transition is one conditional UPDATE plus its audit entry, in one transaction.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterator

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .accounts import User, canonical_department, display_names
from .audit import now, record
from ..registry import is_body
from ..store.paging import in_batches, page, within_days
from ..store.schema import DisputeRow, TicketRow, TownRow
from ..dispatch.assess import assess_dispute
from ..clock import to_utc
from ..dispatch.deadlines import time_limit, time_left_text, urgencies
from ..dispatch.batch import route_texts
from ..dispatch.route import CHANNELS, Suggestion, alternatives, suggest
from ..errors import Conflict, Forbidden, InvalidInput, NotFound

STATES = {"pending": "待分派", "assigned": "已分派", "in_progress": "办理中", "disputed": "退单申请中",
          "resolved": "已办结", "closed": "已关闭"}
OPEN_STATES = ("pending", "assigned", "in_progress", "disputed")
MAX_TEXT_CHARS = 10_000
MAX_NOTE_CHARS = 2_000
DISPATCHERS = ("admin", "dispatcher")


@dataclass
class NewTicket:
    text: str
    town: str
    channel: str = "12345"
    received_at: datetime | None = None
    external_id: str | None = None
    location: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    urgency: str = ""  # 紧急, 加急, 一般 (dispatch/deadlines.yaml); empty: the default


# -- who may do what ---------------------------------------------------------------------------------

def is_assignee(user: User, ticket: TicketRow) -> bool:
    return bool(ticket.assignee) and ((user.role == "town" and ticket.assignee == user.town)
                                      or (user.role == "department" and ticket.assignee == user.department))


def can_view(user: User, ticket: TicketRow) -> bool:
    return user.role in DISPATCHERS or is_assignee(user, ticket)


def can_see_contact(user: User | None, ticket: TicketRow) -> bool:
    """Personal data only for those who route the request or must call the resident back."""
    return user is not None and can_view(user, ticket)


def _require(user: User, roles: tuple[str, ...], doing: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"{user.role_name}无权{doing}")


def _text(value: str | None, what: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{what}不能为空")
    if len(value) > limit:
        raise InvalidInput(f"{what}过长（{len(value)} 字），最多 {limit} 字")
    return value


# -- creating and reading ----------------------------------------------------------------------------

def clean(new: NewTicket) -> NewTicket:
    """The ticket with its texts checked (the same whenever it is applied again)."""
    if new.channel not in CHANNELS:
        raise InvalidInput(f"不认识的渠道“{new.channel}”，可选：{'、'.join(CHANNELS)}")
    limit = time_limit(new.urgency)
    if limit is None:
        raise InvalidInput(f"不认识的紧急程度“{new.urgency}”，可选：{'、'.join(urgencies())}")
    return NewTicket(_text(new.text, "诉求内容", MAX_TEXT_CHARS, True), new.town, new.channel,
                     new.received_at, _text(new.external_id, "外部编号", 64) or None, _text(new.location, "地点", 255),
                     _text(new.contact_name, "联系人", 64), _text(new.contact_phone, "联系电话", 32), limit.urgency)


def create(session: Session, user: User, new: NewTicket, suggestion: Suggestion, version_id: int,
           version_label: str) -> TicketRow:
    _require(user, DISPATCHERS, "登记诉求工单")
    new = clean(new)
    at = now()
    received = to_utc(new.received_at) if new.received_at else at  # a 受理时间 without a zone is Beijing time
    row = TicketRow(external_id=new.external_id, channel=new.channel, received_at=received, town=new.town,
                    urgency=new.urgency, due_at=time_limit(new.urgency).due(received),
                    text=new.text, location=new.location, contact_name=new.contact_name,
                    contact_phone=new.contact_phone, created_by=user.id or None, created_at=at, list_version_id=version_id,
                    suggestion={**suggestion.to_dict(), "list_version": version_label}, state="pending")
    session.add(row)
    session.flush()
    record(session, user.actor, "ticket.create", "ticket", row.id,
           after={"state": "pending", "suggestion": suggestion.to_dict()}, list_version=version_label)
    return row


def get(session: Session, user: User, ticket_id: int) -> TicketRow:
    row = session.get(TicketRow, ticket_id)
    if row is None or not can_view(user, row):
        raise NotFound(f"没有编号为 {ticket_id} 的工单，或您无权查看")
    return row


@dataclass(frozen=True)
class TicketFilter:
    """What a queue or an inbox shows: words in the text, number, assignee or item; overdue only; a 受理
    date range (Beijing dates); in which order."""

    words: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    sort: str = "newest"


SORTS = {"newest": "新的在前", "oldest": "旧的在前", "due": "最先到期在前"}


def visible(session: Session, user: User, state: str | None = None, limit: int = 50,
            offset: int = 0, filters: TicketFilter | None = None) -> tuple[int, list[TicketRow]]:
    return page(session, *visible_query(user, state, filters), limit, offset)


def visible_query(user: User, state: str | None = None, filters: TicketFilter | None = None):
    """The tickets the user may see, filtered: (query, order)."""
    _require(user, ("admin", "dispatcher", "town", "department"), "查看工单")
    query = select(TicketRow)
    if user.role == "town":
        query = query.where(TicketRow.assignee == user.town)
    elif user.role == "department":
        query = query.where(TicketRow.assignee == user.department)
    if state:
        if state not in STATES:
            raise InvalidInput(f"不认识的状态“{state}”，可选：{'、'.join(STATES)}")
        query = query.where(TicketRow.state == state)
    filters = filters or TicketFilter()
    query = _filtered(query, filters)
    order = {"newest": TicketRow.id.desc(), "oldest": TicketRow.id.asc(), "due": TicketRow.due_at.asc()}.get(filters.sort)
    if order is None:
        raise InvalidInput(f"不认识的排序“{filters.sort}”，可选：{'、'.join(SORTS)}")
    return query, order


def _filtered(query, filters: TicketFilter):
    words = filters.words.strip()
    if len(words) > 100:
        raise InvalidInput("检索词过长，最多 100 字")
    if words:
        like = f"%{words}%"
        query = query.where(or_(TicketRow.text.like(like), TicketRow.external_id.like(like),
                                TicketRow.assignee.like(like), TicketRow.item_code == words.upper(),
                                TicketRow.town.like(like)))
    if filters.overdue:
        query = query.where(TicketRow.due_at < now(), TicketRow.state.in_(OPEN_STATES))
    return within_days(query, TicketRow.received_at, filters.since, filters.until)


def disputes_of(session: Session, ticket_ids: list[int]) -> dict[int, list[DisputeRow]]:
    """Every ticket's disputes, oldest first, in one query."""
    found: dict[int, list[DisputeRow]] = {ticket_id: [] for ticket_id in ticket_ids}
    if ticket_ids:
        query = select(DisputeRow).where(DisputeRow.ticket_id.in_(ticket_ids)).order_by(DisputeRow.id)
        for dispute in session.scalars(query):
            found[dispute.ticket_id].append(dispute)
    return found


def ticket_dicts(session: Session, rows: list[TicketRow], user: User | None) -> list[dict]:
    """The tickets as plain data, in three queries whatever their number (tickets, disputes, people)."""
    disputes = disputes_of(session, [row.id for row in rows])
    people = display_names(session, {i for row in rows for i in (
        row.dispatched_by, *(d.raised_by for d in disputes[row.id]), *(d.decided_by for d in disputes[row.id]))})
    return [_ticket_dict(row, disputes[row.id], people, user) for row in rows]


def _deadline(row: TicketRow, at: datetime | None = None) -> dict:
    """Urgency, due time, and for an open ticket the minutes left (negative: overdue)."""
    data = {"urgency": row.urgency, "due_at": row.due_at.isoformat() if row.due_at else None, "overdue": False,
            "minutes_left": None, "time_left": ""}
    if row.due_at is not None and row.state in OPEN_STATES:
        left = int(((row.due_at - (at or now())).total_seconds()) // 60)
        data.update(overdue=left < 0, minutes_left=left, time_left=time_left_text(left))
    elif row.due_at is not None and row.finished_at is not None and row.finished_at > row.due_at:
        data.update(overdue=True, time_left="超时办结")
    return data


def ticket_dict(session: Session, row: TicketRow, user: User | None) -> dict:
    return ticket_dicts(session, [row], user)[0]


def _ticket_dict(row: TicketRow, disputes: list[DisputeRow], people: dict[int, str], user: User | None) -> dict:
    data = {
        "id": row.id, "external_id": row.external_id, "channel": row.channel, "town": row.town, "text": row.text,
        "location": row.location, "received_at": row.received_at.isoformat(), "created_at": row.created_at.isoformat(),
        "suggestion": row.suggestion, "state": row.state, "state_name": STATES[row.state], "assignee": row.assignee,
        "assignee_kind": row.assignee_kind, "item": row.item_code, "dispatched_by": people.get(row.dispatched_by),
        "dispatched_at": row.dispatched_at.isoformat() if row.dispatched_at else None, "dispatch_note": row.dispatch_note,
        "followed_suggestion": row.assignee is not None and row.assignee == row.suggestion.get("assignee"),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None, "url": f"/tickets/{row.id}",
        **_deadline(row),
        "disputes": [{"id": d.id, "raised_by": people.get(d.raised_by), "raised_at": d.raised_at.isoformat(),
                      "assignee": d.assignee, "reason": d.reason, "cited_item": d.cited_item,
                      "proposed_assignee": d.proposed_assignee, "assessment": d.assessment, "state": d.state,
                      "decided_by": people.get(d.decided_by),
                      "decided_at": d.decided_at.isoformat() if d.decided_at else None,
                      "decision_reason": d.decision_reason, "new_assignee": d.new_assignee}
                     for d in disputes],
    }
    if can_see_contact(user, row):
        data["contact_name"], data["contact_phone"] = row.contact_name, row.contact_phone
    return data


# -- transitions -------------------------------------------------------------------------------------

def _assignee(session: Session, name: str) -> tuple[str, str]:
    """(printed name, kind) of a town or a department; InvalidInput when neither."""
    name = (name or "").strip()
    if session.scalar(select(TownRow.id).where(TownRow.name == name)) is not None:
        return name, "town"
    if not is_body(name):
        raise InvalidInput(f"“{name}”不是具体单位（清单中的“区级相关部门”“××等”泛指多个部门），"
                          f"请指定一个具体的承办部门")
    try:
        return canonical_department(session, name), "department"
    except NotFound:
        raise InvalidInput(f"承办单位“{name}”既不是已收录的镇街，也不是清单中的部门") from None


def _move(session: Session, row: TicketRow, expected: tuple[str, ...], **values) -> None:
    """The transition, only from an expected state: a concurrent change makes it a conflict, not a double."""
    changed = session.execute(update(TicketRow).where(TicketRow.id == row.id, TicketRow.state.in_(expected))
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(row)
        raise Conflict(f"工单 {row.id} 当前为“{STATES[row.state]}”，不能执行此操作（可能已被他人处理）")
    session.refresh(row)


def dispatch(session: Session, user: User, ticket_id: int, assignee: str | None, note: str | None) -> TicketRow:
    """Sends a pending ticket to its assignee: the suggestion by default; another choice needs a reason."""
    _require(user, DISPATCHERS, "派单")
    row = get(session, user, ticket_id)
    suggested = row.suggestion.get("assignee") or ""
    target = (assignee or "").strip() or suggested
    if not target:
        raise InvalidInput("清单外工单没有建议的承办单位，请指定承办单位并写明理由")
    name, kind = _assignee(session, target)
    note = _text(note, "派单说明", MAX_NOTE_CHARS, required=name != suggested)
    before = {"state": row.state, "assignee": row.assignee}
    _move(session, row, ("pending",), state="assigned", assignee=name, assignee_kind=kind,
          item_code=row.suggestion.get("item") or None, dispatched_by=user.id, dispatched_at=now(),
          dispatch_note=note or None)
    record(session, user.actor, "ticket.dispatch", "ticket", row.id, before,
           {"state": "assigned", "assignee": name, "suggested": suggested, "note": note or None},
           list_version=row.suggestion.get("list_version"))
    return row


def accept(session: Session, user: User, ticket_id: int) -> TicketRow:
    row = get(session, user, ticket_id)
    if not is_assignee(user, row):
        raise Forbidden("只有承办单位可以签收工单")
    _move(session, row, ("assigned",), state="in_progress")
    record(session, user.actor, "ticket.accept", "ticket", row.id, {"state": "assigned"}, {"state": "in_progress"})
    return row


def finish(session: Session, user: User, ticket_id: int, note: str | None) -> TicketRow:
    row = get(session, user, ticket_id)
    if not is_assignee(user, row):
        raise Forbidden("只有承办单位可以办结工单")
    note = _text(note, "办结说明", MAX_NOTE_CHARS, required=True)
    before = row.state
    _move(session, row, ("assigned", "in_progress"), state="resolved", finished_at=now())
    record(session, user.actor, "ticket.resolve", "ticket", row.id, {"state": before}, {"state": "resolved", "note": note})
    return row


def close(session: Session, user: User, ticket_id: int, reason: str | None) -> TicketRow:
    _require(user, DISPATCHERS, "关闭工单")
    row = get(session, user, ticket_id)
    reason = _text(reason, "关闭理由", MAX_NOTE_CHARS, required=True)
    before = row.state
    _move(session, row, OPEN_STATES, state="closed", finished_at=now())
    record(session, user.actor, "ticket.close", "ticket", row.id, {"state": before}, {"state": "closed", "reason": reason})
    return row


def raise_dispute(session: Session, user: User, ticket_id: int, reason: str | None, cited: str | None,
                  proposed: str | None, assessment: dict) -> DisputeRow:
    """The assignee's 退单申请, citing an item; lvzhi's pre-assessment is stored beside it."""
    row = get(session, user, ticket_id)
    if not is_assignee(user, row):
        raise Forbidden("只有承办单位可以申请退单")
    reason = _text(reason, "退单理由", MAX_NOTE_CHARS, required=True)
    before = row.state
    _move(session, row, ("assigned", "in_progress"), state="disputed")
    dispute = DisputeRow(ticket_id=row.id, raised_by=user.id, raised_at=now(), assignee=row.assignee, reason=reason,
                         cited_item=(cited or "").strip().upper()[:8] or None,
                         proposed_assignee=(proposed or "").strip()[:128] or None, assessment=assessment, state="open")
    session.add(dispute)
    session.flush()
    record(session, user.actor, "ticket.dispute", "ticket", row.id, {"state": before},
           {"state": "disputed", "reason": reason, "cited_item": dispute.cited_item,
            "proposed_assignee": dispute.proposed_assignee, "assessment": assessment})
    return dispute


def decide_dispute(session: Session, user: User, ticket_id: int, accepted: bool, reason: str | None,
                   new_assignee: str | None = None) -> TicketRow:
    """改派 (accepted: to the new assignee) or 驳回 (back to the same assignee), with the dispatcher's reason."""
    _require(user, DISPATCHERS, "处理退单申请")
    row = get(session, user, ticket_id)
    reason = _text(reason, "处理理由", MAX_NOTE_CHARS, required=True)
    dispute = session.scalar(select(DisputeRow).where(DisputeRow.ticket_id == row.id, DisputeRow.state == "open"))
    if dispute is None or row.state != "disputed":
        raise Conflict(f"工单 {row.id} 没有待处理的退单申请")
    before = {"state": row.state, "assignee": row.assignee}
    if accepted:
        target = (new_assignee or "").strip() or dispute.proposed_assignee or dispute.assessment.get("suggested_assignee")
        if not target:
            raise InvalidInput("改派时请指定新的承办单位")
        name, kind = _assignee(session, target)
        if name == row.assignee:
            raise InvalidInput("改派的承办单位与原承办单位相同；不同意退单请选择驳回")
        # the earlier dispatch note was written for the earlier assignee: the new one reads why it came to them
        _move(session, row, ("disputed",), state="assigned", assignee=name, assignee_kind=kind, dispatched_by=user.id,
              dispatched_at=now(), dispatch_note=f"退单改派：{reason}")
    else:
        name = row.assignee
        _move(session, row, ("disputed",), state="assigned")
    dispute.state, dispute.decided_by, dispute.decided_at = ("accepted" if accepted else "rejected"), user.id, now()
    dispute.decision_reason, dispute.new_assignee = reason, (name if accepted else None)
    record(session, user.actor, "ticket.reassign" if accepted else "ticket.dispute_rejected", "ticket", row.id, before,
           {"state": "assigned", "assignee": name, "reason": reason})
    return row


# -- statistics --------------------------------------------------------------------------------------

def stats(session: Session, user: User) -> dict:
    """By assignee, by suggested verdict, dispute outcomes, and how long dispatching took."""
    _, rows = visible(session, user, limit=10**9)
    ids = {r.id for r in rows}
    disputes = [d for d in session.scalars(select(DisputeRow)) if d.ticket_id in ids]
    waits = [(r.dispatched_at - r.received_at).total_seconds() / 60 for r in rows if r.dispatched_at]
    dispatched = [r for r in rows if r.assignee]
    at = now()
    overdue = [r for r in rows if _deadline(r, at)["overdue"]]
    return {
        "overdue": len(overdue),
        "overdue_by_assignee": dict(Counter(r.assignee or "（待分派）" for r in overdue).most_common()),
        "total": len(rows),
        "by_state": {STATES[k]: v for k, v in Counter(r.state for r in rows).most_common()},
        "by_assignee": dict(Counter(r.assignee for r in dispatched).most_common()),
        "by_verdict": dict(Counter(r.suggestion.get("verdict", "") for r in rows).most_common()),
        "disputes": {"open": sum(d.state == "open" for d in disputes), "accepted": sum(d.state == "accepted" for d in disputes),
                     "rejected": sum(d.state == "rejected" for d in disputes),
                     "supported_by_lists": sum(bool(d.assessment.get("supports")) for d in disputes)},
        "minutes_to_dispatch": {"median": round(statistics.median(waits), 1) if waits else None,
                                "mean": round(statistics.fmean(waits), 1) if waits else None},
        "followed_suggestion": round(sum(r.assignee == r.suggestion.get("assignee") for r in dispatched)
                                     / len(dispatched), 3) if dispatched else None,
    }


# -- the desk: each operation one transaction, returning plain data ------------------------------------

class TicketDesk:
    """诉求派单 as the faces use it: every call checks the user's rights, runs in one transaction with its audit
    entry, and returns plain data (dicts ready for JSON and templates), never database rows."""

    def __init__(self, store, lists):
        self.store = store
        self.lists = lists

    def suggest(self, town: str | None, texts: list[str]) -> dict:
        town = town or self.lists.default_town()
        routed = route_texts(self.lists.resolver(town), texts, None, 1)
        return {"town": town, "list_version": self.lists.version(town).label, "suggestions": [s.to_dict() for s in routed]}

    def create(self, user: User, new: NewTicket) -> dict:
        new.town = new.town or self.lists.default_town()
        version = self.lists.version(new.town)
        cleaned = clean(new)
        suggestion = suggest(self.lists.resolver(new.town), cleaned.text)
        return self.store.run(lambda session: ticket_dict(
            session, create(session, user, cleaned, suggestion, version.id, version.label), user))

    def one(self, user: User, ticket_id: int) -> dict:
        with self.store.transaction() as session:
            return ticket_dict(session, get(session, user, ticket_id), user)

    def alternatives(self, ticket: dict) -> list[dict]:
        """The other items the ticket's text could be under, with the assignee each implies."""
        return alternatives(self.lists.resolver(ticket["town"]), ticket["text"])

    def listing(self, user: User, state: str | None = None, page: int = 1, per_page: int = 50,
                filters: TicketFilter | None = None) -> dict:
        with self.store.transaction() as session:
            total, rows = visible(session, user, state, per_page, (page - 1) * per_page, filters)
            return {"total": total, "page": page, "per_page": per_page, "tickets": ticket_dicts(session, rows, user)}

    def requests_page(self, user: User, ids: list[int] | None = None, closed: bool | None = None, page_number: int = 1,
                      page_size: int = 100) -> list[dict]:
        """One page of the tickets the user may see, newest first, without contact details (Open311 listings):
        only those with the given ids, when given; only finished (resolved or closed) or only open ones, when asked."""
        query, order = visible_query(user)
        if ids is not None:
            query = query.where(TicketRow.id.in_(ids))
        if closed is not None:
            query = query.where(TicketRow.state.not_in(OPEN_STATES) if closed else TicketRow.state.in_(OPEN_STATES))
        with self.store.transaction() as session:
            rows = list(session.scalars(query.order_by(order).limit(page_size).offset((page_number - 1) * page_size)))
            return ticket_dicts(session, rows, None)

    def matching(self, user: User, state: str | None = None, filters: TicketFilter | None = None) -> Iterator[dict]:
        """Every ticket the listing shows with these filters (every page), read in batches as it is consumed
        (exports); the permission and the filters are checked at once."""
        query, order = visible_query(user, state, filters)
        return in_batches(self.store, query, order, lambda session, rows: ticket_dicts(session, rows, user))

    def _step(self, user: User, ticket_id: int, change) -> dict:
        def work(session):
            change(session)
            return ticket_dict(session, get(session, user, ticket_id), user)
        return self.store.run(work)

    def dispatch(self, user: User, ticket_id: int, assignee: str | None, note: str | None) -> dict:
        return self._step(user, ticket_id, lambda s: dispatch(s, user, ticket_id, assignee, note))

    def accept(self, user: User, ticket_id: int) -> dict:
        return self._step(user, ticket_id, lambda s: accept(s, user, ticket_id))

    def finish(self, user: User, ticket_id: int, note: str | None) -> dict:
        return self._step(user, ticket_id, lambda s: finish(s, user, ticket_id, note))

    def close(self, user: User, ticket_id: int, reason: str | None) -> dict:
        return self._step(user, ticket_id, lambda s: close(s, user, ticket_id, reason))

    def dispute(self, user: User, ticket_id: int, reason: str, cited: str | None, proposed: str | None) -> dict:
        """The assignee's 退单申请, stored with the lists' pre-assessment of it."""
        current = self.one(user, ticket_id)
        town = current["town"]
        assessment = assess_dispute(self.lists.resolver(town), self.lists.dataset(town), current["text"],
                                    current["assignee"] or "", cited, proposed).to_dict()
        return self._step(user, ticket_id, lambda s: raise_dispute(s, user, ticket_id, reason, cited, proposed,
                                                                   assessment))

    def decide_dispute(self, user: User, ticket_id: int, accepted: bool, reason: str | None,
                       new_assignee: str | None = None) -> dict:
        return self._step(user, ticket_id, lambda s: decide_dispute(s, user, ticket_id, accepted, reason, new_assignee))

    def import_file(self, user: User, ticket_file, channel: str = "12345", default_town: str | None = None):
        """A hotline export into the queue (see ticket_import)."""
        from .ticket_import import import_tickets

        if user.role not in DISPATCHERS:
            raise Forbidden(f"{user.role_name}无权导入工单")

        def town_lists(name: str):
            version = self.lists.version(name)
            return self.lists.resolver(name), version.id, version.label

        return import_tickets(self.store, user, ticket_file, default_town or self.lists.default_town(), town_lists,
                              channel)

    def stats(self, user: User) -> dict:
        with self.store.transaction() as session:
            return stats(session, user)
