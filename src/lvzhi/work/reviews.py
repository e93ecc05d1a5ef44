"""Task reviews as a record: submit (with lvzhi's proposal), decide, approve unlisted work; who may see what.

Each operation is one transaction with its audit entry. A decision is taken only from the state it expects
(a conditional UPDATE), so of two reviewers deciding at once one wins and the other is told.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .accounts import User, canonical_department
from .accounts import display_names as names_of
from .audit import now, record
from ..store.paging import in_batches, page, within_days
from ..store.schema import ProposalRow, ReviewRow, TownRow
from ..review.kinds import (APPROVALS, DECISIONS, MAX_ATTACHMENT_CHARS, MAX_REASON_CHARS, MAX_TEXT_CHARS, STATES)
from ..review.proposal import Proposal, propose
from ..review.repeats import similar_groups
from ..errors import Conflict, Forbidden, InvalidInput, NotFound

TITLE_CHARS = 200


@dataclass
class Submission:
    town: str
    issuing_department: str
    text: str
    title: str = ""
    attachment_text: str = ""
    deadline: date | None = None


# -- who may do what ---------------------------------------------------------------------------------

def can_view(user: User, review: ReviewRow) -> bool:
    return (user.role == "admin" or (user.role == "town" and review.town == user.town)
            or (user.role == "department" and review.issuing_department == user.department))


def can_decide(user: User, review: ReviewRow) -> bool:
    return user.role == "admin" or (user.role == "town" and review.town == user.town)


def _require_role(user: User, roles: tuple[str, ...], doing: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"{user.role_name}无权{doing}")


# -- submitting --------------------------------------------------------------------------------------

def _clean(submission: Submission, session: Session, user: User) -> Submission:
    text = (submission.text or "").strip()
    if not text:
        raise InvalidInput("任务内容（text）不能为空")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"任务内容过长（{len(text)} 字），最多 {MAX_TEXT_CHARS} 字；较长的文件请放入附件文字")
    attachment = (submission.attachment_text or "").strip()
    if len(attachment) > MAX_ATTACHMENT_CHARS:
        raise InvalidInput(f"附件文字过长（{len(attachment)} 字），最多 {MAX_ATTACHMENT_CHARS} 字")
    title = (submission.title or "").strip() or text.splitlines()[0][:40]
    if len(title) > TITLE_CHARS:
        raise InvalidInput(f"标题过长，最多 {TITLE_CHARS} 字")
    department = submission.issuing_department
    if user.role == "department":
        department = user.department  # a department submits only in its own name
    if not (department or "").strip():
        raise InvalidInput("请填写交办部门（issuing_department）")
    department = canonical_department(session, department)
    town = user.town if user.role == "town" else submission.town
    return Submission(town, department, text, title, attachment, submission.deadline)


def prepare(session: Session, user: User, submission: Submission) -> Submission:
    """The submission as it will be recorded, or InvalidInput/Forbidden naming what is wrong."""
    _require_role(user, ("admin", "town", "department"), "提交准入审查")
    if user.role == "town" and submission.town and submission.town != user.town:
        raise Forbidden(f"您只能为{user.town}登记准入审查")
    return _clean(submission, session, user)


def submit(session: Session, user: User, submission: Submission, proposal: Proposal, version_id: int,
           version_label: str) -> ReviewRow:
    """Records a prepared submission with lvzhi's proposal for it, against the list version that made it."""
    row = ReviewRow(town=submission.town, issuing_department=submission.issuing_department, title=submission.title,
                    text=submission.text, attachment_text=submission.attachment_text, deadline=submission.deadline,
                    submitted_by=user.id, submitted_at=now(), list_version_id=version_id, proposal=proposal.kind,
                    proposal_detail={**proposal.to_dict(), "list_version": version_label}, state="pending",
                    cited_items=proposal.cited())
    session.add(row)
    session.flush()
    record(session, user.actor, "review.submit", "review", row.id,
           after={"town": row.town, "issuing_department": row.issuing_department, "title": row.title,
                  "proposal": row.proposal, "cited_items": row.cited_items}, list_version=version_label)
    return row


# -- reading -----------------------------------------------------------------------------------------

def get(session: Session, user: User, review_id: int) -> ReviewRow:
    row = session.get(ReviewRow, review_id)
    if row is None or not can_view(user, row):
        # the same answer whether it does not exist or is not the user's to see
        raise NotFound(f"没有编号为 {review_id} 的准入审查，或您无权查看")
    return row


@dataclass(frozen=True)
class ReviewFilter:
    """Words in the title, text or issuing department; a submission date range (Beijing dates); the order."""

    words: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = "newest"


def visible(session: Session, user: User, state: str | None = None, limit: int = 50,
            offset: int = 0, filters: ReviewFilter | None = None) -> tuple[int, list[ReviewRow]]:
    return page(session, *visible_query(user, state, filters), limit, offset)


def visible_query(user: User, state: str | None = None, filters: ReviewFilter | None = None):
    """The reviews the user may see, filtered: (query, order)."""
    _require_role(user, ("admin", "town", "department"), "查看准入审查")
    query = select(ReviewRow)
    if user.role == "town":
        query = query.where(ReviewRow.town == user.town)
    elif user.role == "department":
        query = query.where(ReviewRow.issuing_department == user.department)
    if state:
        if state not in STATES:
            raise InvalidInput(f"不认识的状态“{state}”，可选：{'、'.join(STATES)}")
        query = query.where(ReviewRow.state == state)
    filters = filters or ReviewFilter()
    words = filters.words.strip()
    if len(words) > 100:
        raise InvalidInput("检索词过长，最多 100 字")
    if words:
        like = f"%{words}%"
        query = query.where(or_(ReviewRow.title.like(like), ReviewRow.text.like(like),
                                ReviewRow.issuing_department.like(like)))
    query = within_days(query, ReviewRow.submitted_at, filters.since, filters.until)
    order = {"newest": ReviewRow.id.desc(), "oldest": ReviewRow.id.asc()}.get(filters.sort)
    if order is None:
        raise InvalidInput(f"不认识的排序“{filters.sort}”，可选：newest、oldest")
    return query, order


def review_dict(row: ReviewRow, people: dict[int, str] | None = None) -> dict:
    people = people or {}
    return {
        "id": row.id, "town": row.town, "issuing_department": row.issuing_department, "title": row.title,
        "text": row.text, "attachment_text": row.attachment_text,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "submitted_by": people.get(row.submitted_by), "submitted_at": row.submitted_at.isoformat(),
        "list_version": row.proposal_detail.get("list_version"), "list_version_id": row.list_version_id,
        "proposal": row.proposal, "proposal_name": DECISIONS[row.proposal], "proposal_detail": row.proposal_detail,
        "state": row.state, "state_name": STATES[row.state],
        "decision": row.decision, "decision_name": DECISIONS.get(row.decision or ""),
        "overridden": bool(row.decision and row.decision != row.proposal), "cited_items": row.cited_items,
        "decided_by": people.get(row.decided_by), "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "reason": row.reason, "approval": row.approval, "approval_name": APPROVALS.get(row.approval or ""),
        "approved_by": people.get(row.approved_by),
        "approved_at": row.approved_at.isoformat() if row.approved_at else None, "approval_reason": row.approval_reason,
        "url": f"/reviews/{row.id}",
    }


# -- deciding ----------------------------------------------------------------------------------------

def _reason(reason: str | None, required: bool, why: str) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(why)
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"理由过长，最多 {MAX_REASON_CHARS} 字")
    return reason or None


def _check_return_cites_a_reclaimed_item(decision: str, cited: list[dict]) -> None:
    """退回 tells the department which item it took back and who handles it; 不再开展 names the abolished item.
    Either needs a 上级部门收回事项 to cite: the system's item when it proposed one, else the reviewer's."""
    if decision not in ("return", "abolished") or any(c.get("list") == "reclaimed" for c in cited):
        return
    wrong = "、".join(c["code"] for c in cited)
    raise InvalidInput(f"决定为“{DECISIONS[decision]}”须引用上级部门收回事项（R 开头的编码）"
                       + (f"，当前引用的 {wrong} 不是收回事项" if wrong else "，当前没有引用事项")
                       + "：请在“引用的事项”中填写该收回事项的编码（如 R76）")


def decide(session: Session, user: User, review_id: int, decision: str, reason: str | None,
           cited_items: list[dict] | None = None) -> ReviewRow:
    """The reviewer confirms lvzhi's proposal or overrides it (with a reason). 清单外 then waits for the admin."""
    _require_role(user, ("admin", "town"), "对准入审查作出决定")
    row = get(session, user, review_id)
    if not can_decide(user, row):
        raise Forbidden(f"{user.role_name}无权对准入审查作出决定")
    if decision not in DECISIONS:
        raise InvalidInput(f"不认识的决定“{decision}”，可选：{'、'.join(f'{k}（{v}）' for k, v in DECISIONS.items())}")
    overridden = decision != row.proposal
    reason = _reason(reason, overridden, f"决定（{DECISIONS[decision]}）与系统建议（{DECISIONS[row.proposal]}）不同，"
                                         "请写明理由")
    cited = row.cited_items if cited_items is None else cited_items
    _check_return_cites_a_reclaimed_item(decision, cited)
    state = "awaiting_approval" if decision == "unlisted" else "decided"
    before = {"state": row.state, "proposal": row.proposal}
    decided_at = now()
    changed = session.execute(update(ReviewRow).where(ReviewRow.id == row.id, ReviewRow.state == "pending").values(
        state=state, decision=decision, reason=reason, cited_items=cited, decided_by=user.id, decided_at=decided_at)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(row)
        by = names_of(session, {row.decided_by}).get(row.decided_by, "他人")
        raise Conflict(f"准入审查 {row.id} 已由{by}于 {row.decided_at:%Y-%m-%d %H:%M} 作出决定"
                             f"（{DECISIONS.get(row.decision or '', row.decision)}），未再更改")
    session.refresh(row)
    record(session, user.actor, "review.decide", "review", row.id, before,
           {"state": state, "decision": decision, "overridden": overridden, "reason": reason, "cited_items": cited},
           list_version=row.proposal_detail.get("list_version"))
    return row


def approve(session: Session, user: User, review_id: int, approved: bool, reason: str | None) -> ReviewRow:
    """The admin's written approval (or refusal) before a town takes on work that is on no list."""
    _require_role(user, ("admin",), "审批清单外事项")
    row = get(session, user, review_id)
    reason = _reason(reason, True, "审批清单外事项须写明理由")
    outcome = "approved" if approved else "refused"
    changed = session.execute(update(ReviewRow).where(ReviewRow.id == row.id,
                                                      ReviewRow.state == "awaiting_approval").values(
        state="decided", approval=outcome, approved_by=user.id, approved_at=now(), approval_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(row)
        raise Conflict(f"准入审查 {row.id} 当前为“{STATES[row.state]}”，不是待审批状态")
    session.refresh(row)
    record(session, user.actor, "review.approve", "review", row.id, {"state": "awaiting_approval"},
           {"state": "decided", "approval": outcome, "reason": reason},
           list_version=row.proposal_detail.get("list_version"))
    return row


# -- monitor -----------------------------------------------------------------------------------------

MONITOR_COLUMNS = {"submitted": "提交", "accepted": "准入", "limited": "配合准入（限定）", "returned": "退回",
                   "abolished": "不再开展", "unlisted": "清单外", "approved": "其中经审批承接", "pending": "未决"}


def _outcome(row: ReviewRow) -> str:
    if row.state == "pending":
        return "pending"
    return {"admit": "accepted", "cooperate": "limited", "return": "returned", "abolished": "abolished",
            "unlisted": "unlisted"}[row.decision]


def taken_reviews(session: Session) -> dict[int, int]:
    """Each 准入审查 that a 调整申请 was made from, and that proposal."""
    taken: dict[int, int] = {}
    for pid, first, ids in session.execute(select(ProposalRow.id, ProposalRow.review_id, ProposalRow.review_ids)
                                           .where(ProposalRow.review_id.is_not(None))):
        for review_id in ids or [first]:
            taken.setdefault(review_id, pid)
    return taken


def listing_candidates(session: Session, rows: list[ReviewRow]) -> list[dict]:
    """清单外 tasks approved at least twice: per issuing department, the same task (as repeats.same_task tells)
    in the towns of one district. Each is a candidate for listing the duty (an add-proposal), with the reviews
    to make it from and the proposal already made from them, if any."""
    approved = [r for r in rows if r.decision == "unlisted" and r.approval == "approved"]
    if not approved:
        return []
    districts = dict(session.execute(select(TownRow.name, TownRow.district)).all())
    taken = taken_reviews(session)
    by_department: dict[str, list[ReviewRow]] = {}
    for row in sorted(approved, key=lambda r: (r.submitted_at, r.id)):
        by_department.setdefault(row.issuing_department, []).append(row)
    candidates = []
    for department, mine in by_department.items():
        for group in similar_groups([(r.title, r.text) for r in mine]):
            places: dict[str, list[ReviewRow]] = {}
            for i in group:  # one proposal covers one town or the towns of one district
                places.setdefault(districts.get(mine[i].town) or mine[i].town, []).append(mine[i])
            for members in places.values():
                if len(members) < 2:
                    continue
                towns = list(dict.fromkeys(r.town for r in members))
                titles = Counter(r.title for r in members)
                made = next((taken[r.id] for r in members if r.id in taken), None)
                candidates.append({
                    "department": department, "title": max(titles, key=lambda t: (titles[t], t == members[-1].title)),
                    "text": members[-1].text, "times": len(members), "towns": towns,
                    "district": districts.get(towns[0]) if len(towns) > 1 else None,
                    "review_ids": [r.id for r in members], "first_at": members[0].submitted_at.isoformat(),
                    "last_at": members[-1].submitted_at.isoformat(), "proposal": made})
    return sorted(candidates, key=lambda c: (-c["times"], c["department"], c["review_ids"][0]))


def monitor(session: Session, user: User, month: str | None = None) -> dict:
    """Per issuing department and month: submitted, accepted, limited, returned, abolished, unlisted, pending;
    every returned task, with the departments that pushed the same reclaimed item more than once; and (in any
    month) the 清单外 tasks approved again and again, as candidates for listing the duty."""
    _require_role(user, ("admin", "town", "department"), "查看监测统计")
    _, rows = visible(session, user, limit=10**9)
    candidates = listing_candidates(session, rows)
    if month:
        rows = [r for r in rows if r.submitted_at.strftime("%Y-%m") == month]
    table: dict[tuple[str, str], Counter] = {}
    for row in rows:
        counts = table.setdefault((row.issuing_department, row.submitted_at.strftime("%Y-%m")), Counter())
        counts["submitted"] += 1
        counts[_outcome(row)] += 1
        if row.approval == "approved":
            counts["approved"] += 1
    returned = [r for r in rows if r.decision == "return"]
    pushes = Counter((r.issuing_department, c["code"]) for r in returned for c in r.cited_items)
    return {
        "columns": MONITOR_COLUMNS,
        "rows": [{"department": d, "month": m, **{k: counts[k] for k in MONITOR_COLUMNS}}
                 for (d, m), counts in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0]), reverse=True)],
        "returned": [{"id": r.id, "department": r.issuing_department, "town": r.town, "title": r.title,
                      "submitted_at": r.submitted_at.isoformat(), "items": r.cited_items,
                      "repeated": any(pushes[(r.issuing_department, c["code"])] > 1 for c in r.cited_items)}
                     for r in returned],
        "repeat_pushes": [{"department": d, "code": code, "times": n} for (d, code), n in pushes.items() if n > 1],
        "candidates": candidates,
    }


# -- the desk: each operation one transaction, returning plain data ------------------------------------

def _people_of(rows: list[ReviewRow]) -> set[int | None]:
    return {i for r in rows for i in (r.submitted_by, r.decided_by, r.approved_by)}


class ReviewDesk:
    """事项准入 as the faces use it: rights checked, one transaction with its audit entry, plain data back."""

    def __init__(self, store, lists):
        self.store = store
        self.lists = lists

    def check(self, town: str | None, text: str, attachment_text: str = "") -> dict:
        """The proposal for a task, recorded nowhere (a pre-check anyone may run)."""
        town = town or self.lists.default_town()
        proposal = propose(self.lists.resolver(town), text, attachment_text)
        return {"town": town, "list_version": self.lists.version(town).label, **proposal.to_dict()}

    def submit(self, user: User, submission: Submission) -> dict:
        with self.store.transaction() as session:
            prepared = prepare(session, user, submission)
        town = prepared.town or self.lists.default_town()
        version = self.lists.version(town)
        proposal = propose(self.lists.resolver(town), prepared.text, prepared.attachment_text)
        prepared.town = town

        def work(session):
            row = submit(session, user, prepared, proposal, version.id, version.label)
            return review_dict(row, names_of(session, {row.submitted_by}))

        return self.store.run(work)

    def one(self, user: User, review_id: int) -> dict:
        with self.store.transaction() as session:
            row = get(session, user, review_id)
            return review_dict(row, names_of(session, _people_of([row])))

    def listing(self, user: User, state: str | None = None, page: int = 1, per_page: int = 50,
                filters: ReviewFilter | None = None) -> dict:
        with self.store.transaction() as session:
            total, rows = visible(session, user, state, per_page, (page - 1) * per_page, filters)
            people = names_of(session, _people_of(rows))
            return {"total": total, "page": page, "per_page": per_page,
                    "reviews": [review_dict(r, people) for r in rows]}

    def matching(self, user: User, state: str | None = None, filters: ReviewFilter | None = None) -> Iterator[dict]:
        """Every review the list shows with these filters (every page), read in batches as it is consumed."""
        query, order = visible_query(user, state, filters)

        def convert(session, rows):
            people = names_of(session, _people_of(rows))
            return [review_dict(r, people) for r in rows]
        return in_batches(self.store, query, order, convert)

    def decide(self, user: User, review_id: int, decision: str, reason: str | None,
               cited_code: str | None = None) -> dict:
        """The decision; `cited_code` corrects the item the decision cites (from the review's own list version)."""
        cited = self._cited(user, review_id, cited_code) if cited_code and cited_code.strip() else None
        self.store.run(lambda session: decide(session, user, review_id, decision, reason, cited))
        return self.one(user, review_id)

    def _cited(self, user: User, review_id: int, code: str) -> list[dict]:
        review = self.one(user, review_id)
        item = self.lists.item(review["town"], code.strip(), review["list_version_id"])
        return [{"code": item.code, "title": item.title, "list": item.list}]

    def approve(self, user: User, review_id: int, approved: bool, reason: str | None) -> dict:
        self.store.run(lambda session: approve(session, user, review_id, approved, reason))
        return self.one(user, review_id)

    def monitor(self, user: User, month: str | None = None) -> dict:
        with self.store.transaction() as session:
            return monitor(session, user, month)

    def one_with_rights(self, user: User, review_id: int) -> tuple[dict, bool]:
        """The review, and whether this user may decide it now."""
        with self.store.transaction() as session:
            row = get(session, user, review_id)
            may_decide = can_decide(user, row) and row.state == "pending"
            return review_dict(row, names_of(session, _people_of([row]))), may_decide
