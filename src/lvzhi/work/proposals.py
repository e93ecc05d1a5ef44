"""List adjustments (动态调整): change proposals, consultation with the departments, the list office's decision,
and publishing approved proposals as a new dated version of a town's lists.

States: draft 草稿 → submitted 已提交 → consulting 会商中 → deciding 待审定 → approved 已批准 / returned 已退回
→ published 已发布. A town proposes for itself, a department for the items it leads or took back, the admin
(list office) for any. Each step is one transaction with its audit entry, taken only from the state it
expects (a conditional UPDATE): a wrong step is a Conflict (409), bad input InvalidInput (422). A draft or a
returned proposal may be rewritten by its proposer; a returned one keeps its earlier consultation as a round.

A proposal is for one town, or for every town of a district at once (the admin's, or a department's for its
own items): consulted and decided once, published as one new version per town, the item found in each town by
its content or title; a town where it cannot be applied is reported, not skipped in silence.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..lists.diff import comparable
from ..lists.versions import town_info
from ..model import LIST_SHORT_NAMES
from ..registry import is_body
from ..store.reading import ItemPool, dataset_of, town_records
from ..store.schema import OpinionRow, ProposalRow, PublicationRow, ReviewRow, TownRow, VersionRow
from .accounts import User
from .audit import now, record
from .proposal_items import (MAX_TEXT, Placement, applied, as_item, change_of, clean_item, find_item,
                             item_from_fields, same_titled, text_field as _text)
from .publishing import publish_in
from .reviews import can_view as may_view_review, taken_reviews

KINDS = {"add": "新增事项", "change": "修改事项", "remove": "删除事项", "move": "调整所属清单"}
REASONS = {"law": "法律法规立改废释", "function": "部门职能调整", "town": "乡镇申请", "admission": "清单外事项准入",
           "other": "其他"}
STATES = {"draft": "草稿", "submitted": "已提交", "consulting": "会商中", "deciding": "待审定", "approved": "已批准",
          "returned": "已退回", "published": "已发布"}
EDITABLE = ("draft", "returned")


@dataclass
class Draft:
    """What a proposer writes: the change (for add the whole item; for change and move the fields that change).
    With `district`, the change is for every town of that district; `town` then names the town whose item
    `target_code` points at (any town of the district for an addition)."""

    town: str
    kind: str
    reason_kind: str
    reason: str
    target_code: str | None = None
    item: dict = field(default_factory=dict)
    basis_document: str = ""
    basis_number: str = ""
    basis_article: str = ""
    district: str | None = None


def named_departments(row: ProposalRow) -> list[str]:
    """The departments the change names, before or after: the ones consulted."""
    names = [n for data in (row.before, row.after) if data for n in as_item(data).named_departments()]
    return [n for n in dict.fromkeys(names) if is_body(n)]


def _lead_departments(row: ProposalRow) -> set[str]:
    return {n for data in (row.before, row.after) if data for n in as_item(data).lead_departments}


def scope_name(row: ProposalRow) -> str:
    return f"{row.district}全部镇街" if row.district else row.town


# -- who may do what ---------------------------------------------------------------------------------

def may_propose(user: User, row: ProposalRow) -> bool:
    if user.role == "admin":
        return True
    if user.role == "town":
        return row.district is None and row.town == user.town
    if user.role == "department":
        return user.department in _lead_departments(row)
    return False


def proposer_of(user: User) -> str:
    if user.role == "town":
        return f"town:{user.town}"
    if user.role == "department":
        return f"department:{user.department}"
    return "admin"


def may_own(user: User, row: ProposalRow) -> bool:
    """Who may edit and submit a proposal: its proposer (the same town or department), or the admin."""
    return user.role == "admin" or (row.proposer == proposer_of(user) and may_propose(user, row))


def may_view(user: User, row: ProposalRow, home_district: str | None = None) -> bool:
    """`home_district`: the district of a town user's town (a district-wide proposal concerns every town of it,
    once its proposer has submitted it)."""
    if row.state == "published" or user.role == "admin":
        return True
    if user.role == "town":
        if row.district:
            return row.district == home_district and row.state != "draft"
        return row.town == user.town
    if user.role == "department":
        return (row.proposer == proposer_of(user) or user.department in named_departments(row)
                or user.department in _lead_departments(row)
                or user.department in {o.department for o in row.opinions})
    return False


def home_district(session: Session, user: User) -> str | None:
    if user.role != "town" or not user.town:
        return None
    return session.scalar(select(TownRow.district).where(TownRow.name == user.town)) or None


def _require(ok: bool, user: User, doing: str) -> None:
    if not ok:
        raise Forbidden(f"{user.role_name}无权{doing}")


def _get(session: Session, user: User, proposal_id: int) -> ProposalRow:
    row = session.get(ProposalRow, proposal_id)
    if row is None or not may_view(user, row, home_district(session, user)):
        raise NotFound(f"没有编号为 {proposal_id} 的调整申请，或您无权查看")
    return row


def _move(session: Session, row: ProposalRow, allowed: tuple[str, ...], doing: str, **values) -> None:
    """Moves the proposal on only from a state that allows the step; else Conflict naming where it stands."""
    if row.state in allowed:
        changed = session.execute(update(ProposalRow).where(ProposalRow.id == row.id, ProposalRow.state == row.state)
                                  .values(**values).execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            session.refresh(row)
            return
        session.refresh(row)
    allowed_names = "、".join(f"“{STATES[s]}”" for s in allowed)
    raise Conflict(f"调整申请 {row.id} 当前为“{STATES[row.state]}”，不能{doing}（只有{allowed_names}的申请可以）")


# -- the base version and the change against it --------------------------------------------------------

def _newest(info):
    return max(info.versions, key=lambda v: (v.in_force_from, v.id))


def latest_versions(session: Session) -> dict:
    """Each town's newest version (the last to take effect, dated in the future or not): adjustments build on it."""
    return {r.name: _newest(town_info(r)) for r in town_records(session) if r.versions}


def latest_version(session: Session, town: str):
    found = latest_versions(session).get(town)
    if found is None:
        raise NotFound(f"没有名为“{town}”的镇街，或它还没有清单")
    return found


def district_towns(session: Session, district: str) -> list[str]:
    """The towns of a district that have lists, in the order they were first imported."""
    return list(session.scalars(select(TownRow.name).where(TownRow.district == district, TownRow.versions.any())
                                .order_by(TownRow.id)))


def _district_of_draft(session: Session, draft: Draft) -> tuple[str | None, str]:
    """The district a draft covers (None for one town) and the town whose lists it points at."""
    district = _text(draft.district, "区县", 64, required=False) or None
    town = (draft.town or "").strip()
    if district:
        towns = district_towns(session, district)
        if not towns:
            raise InvalidInput(f"没有属于“{district}”的镇街，或它们还没有清单")
        town = town or towns[0]
        if town not in towns:
            raise InvalidInput(f"{town}不属于{district}：全区调整所指的事项须取自该区县的一个镇街")
    return district, _text(town, "镇街", 64)


def _shape(session: Session, draft: Draft, complete: bool) -> dict:
    """The proposal's fields from a draft: its scope, base version, the item before and after."""
    if draft.kind not in KINDS:
        raise InvalidInput(f"不认识的调整类型“{draft.kind}”，可选：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}")
    if draft.reason_kind not in REASONS:
        raise InvalidInput(f"不认识的调整理由“{draft.reason_kind}”，可选："
                           f"{'、'.join(f'{k}（{v}）' for k, v in REASONS.items())}")
    district, town = _district_of_draft(session, draft)
    version = latest_version(session, town)
    dataset = dataset_of(session, version.id)
    before = None
    if draft.kind != "add":
        code = _text(draft.target_code, "要调整的事项编码", 8).upper()
        found = dataset.by_code().get(code)
        if found is None:
            raise InvalidInput(f"{town}的清单（{version.label}）中没有编码为“{code}”的事项")
        before = comparable(found)
    item = dict(draft.item or {})
    if draft.kind == "remove":
        after = None
    elif draft.kind == "add":
        after = clean_item(session, item, complete)
    else:
        if draft.kind == "change" and item.get("list", before["list"]) != before["list"]:
            raise InvalidInput("修改事项不能改变所属清单；请用“调整所属清单”（move）")
        if draft.kind == "move" and item.get("list") in (None, before["list"]):
            raise InvalidInput(f"调整所属清单须写明新的清单（当前为{LIST_SHORT_NAMES[before['list']]}）")
        merged = {**before, **item}
        after = clean_item(session, merged, complete)
        if draft.kind == "change" and after == before:
            raise InvalidInput("修改后的事项与现行内容相同，没有需要调整的内容")
    return {"town": town, "district": district, "kind": draft.kind,
            "target_code": None if draft.kind == "add" else draft.target_code.strip().upper(),
            "base_version_id": version.id, "before": before, "after": after, "reason_kind": draft.reason_kind,
            "reason": _text(draft.reason, "调整理由"), "basis_document": _text(draft.basis_document, "依据文件名称", 255, False),
            "basis_number": _text(draft.basis_number, "依据文号", 128, False),
            "basis_article": _text(draft.basis_article, "依据条款", 255, False)}


def _snapshot(row: ProposalRow) -> dict:
    return {"state": row.state, "town": row.town, "district": row.district, "kind": row.kind,
            "target_code": row.target_code, "after": row.after, "reason_kind": row.reason_kind, "reason": row.reason,
            "basis_document": row.basis_document, "basis_number": row.basis_number,
            "basis_article": row.basis_article}


# -- steps ------------------------------------------------------------------------------------------

TOWN_ONLY = "镇街只能为本镇提出调整申请；全区各镇街的调整由管理员或牵头、承接该事项的部门提出"


def _as_town(user: User, draft: Draft) -> None:
    """A town user's draft is for its own town only."""
    if user.role != "town":
        return
    if (draft.district or "").strip():
        raise Forbidden(TOWN_ONLY)
    if draft.town and draft.town != user.town:
        raise Forbidden(f"您只能为{user.town}提出调整申请")
    draft.town = user.town


def create(session: Session, user: User, draft: Draft, complete: bool = True,
           review_ids: list[int] | None = None) -> ProposalRow:
    _require(user.role in ("admin", "town", "department"), user, "提出调整申请")
    _as_town(user, draft)
    row = ProposalRow(**_shape(session, draft, complete), state="draft", created_by=user.id or None,
                      created_by_name=user.display_name or user.username, proposer=proposer_of(user), created_at=now(),
                      review_id=review_ids[0] if review_ids else None, review_ids=review_ids or None)
    _require(may_propose(user, row), user, f"就{row.target_code or '该事项'}提出调整申请（部门只能就本部门牵头或承接的事项提出）")
    session.add(row)
    session.flush()
    record(session, user.actor, "proposal.create", "proposal", row.id, after=_snapshot(row))
    return row


def _reopen(session: Session, row: ProposalRow) -> None:
    """A returned proposal taken up again: its consultation and decision are kept as an earlier round."""
    row.rounds = [*(row.rounds or []), {
        "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
        "opinions": [_opinion_dict(o) for o in row.opinions],
        "decision": {"state": "returned", "by": row.decided_by_name, "reason": row.decision_reason,
                     "at": row.decided_at.isoformat() if row.decided_at else None}}]
    row.opinions.clear()
    row.decided_by_name = row.decided_at = row.decision_reason = None
    session.flush()


def _editable(row: ProposalRow) -> None:
    if row.state not in EDITABLE:
        raise Conflict(f"调整申请 {row.id} 当前为“{STATES[row.state]}”，只有“草稿”或“已退回”的申请可以修改")


def edit(session: Session, user: User, proposal_id: int, draft: Draft) -> ProposalRow:
    """A draft or a returned proposal rewritten by its proposer (or the admin); a returned one becomes a draft
    again, its earlier consultation and decision kept."""
    row = _get(session, user, proposal_id)
    _require(may_own(user, row), user, "修改该调整申请")
    _editable(row)
    before = _snapshot(row)
    _as_town(user, draft)
    shaped = _shape(session, draft, complete=False)
    previous = row.state
    _move(session, row, EDITABLE, "修改", state="draft")
    if previous == "returned":
        _reopen(session, row)
    for key, value in shaped.items():
        setattr(row, key, value)
    _require(may_own(user, row), user, "这样修改该调整申请")
    session.flush()
    record(session, user.actor, "proposal.edit", "proposal", row.id, before, _snapshot(row))
    return row


PATCHABLE = ("town", "district", "kind", "target_code", "item", "reason_kind", "reason", "basis_document",
             "basis_number", "basis_article")


def patch(session: Session, user: User, proposal_id: int, changes: dict) -> ProposalRow:
    """edit() with only some fields given: the rest stay as they are; `item` fields are merged into the item."""
    row = _get(session, user, proposal_id)
    strangers = [key for key in changes if key not in PATCHABLE]
    if strangers:
        raise InvalidInput(f"不能修改的字段：{'、'.join(strangers)}；可改：{'、'.join(PATCHABLE)}")
    current = {"town": row.town, "district": row.district, "kind": row.kind, "target_code": row.target_code,
               "item": dict(row.after or {}), "reason_kind": row.reason_kind, "reason": row.reason,
               "basis_document": row.basis_document, "basis_number": row.basis_number,
               "basis_article": row.basis_article}
    item = changes.get("item")
    if item is not None and not isinstance(item, dict):
        raise InvalidInput("事项内容（item）应为对象")
    merged = {**current, **changes, "item": {**current["item"], **(item or {})}}
    return edit(session, user, proposal_id, Draft(**merged))


def submit(session: Session, user: User, proposal_id: int) -> ProposalRow:
    """A draft, or a returned proposal submitted again (its earlier round kept)."""
    row = _get(session, user, proposal_id)
    _require(may_own(user, row), user, "提交该调整申请")
    if row.after is not None and row.state in EDITABLE:
        clean_item(session, row.after, complete=True)  # a draft from a review must be filled in first
    previous = row.state
    _move(session, row, EDITABLE, "提交", state="submitted", submitted_at=now())
    if previous == "returned":
        _reopen(session, row)
    record(session, user.actor, "proposal.submit", "proposal", row.id, {"state": previous}, {"state": "submitted"})
    return row


def consult(session: Session, user: User, proposal_id: int) -> ProposalRow:
    """The list office asks every department the change names (old or new) for its opinion."""
    _require(user.role == "admin", user, "组织会商")
    row = _get(session, user, proposal_id)
    departments = named_departments(row)
    state = "consulting" if departments else "deciding"
    _move(session, row, ("submitted",), "组织会商", state=state)
    session.add_all(OpinionRow(proposal_id=row.id, department=d) for d in departments)
    session.flush()
    session.refresh(row)
    record(session, user.actor, "proposal.consult", "proposal", row.id, {"state": "submitted"},
           {"state": state, "departments": departments})
    return row


def give_opinion(session: Session, user: User, proposal_id: int, agree: bool, opinion: str) -> ProposalRow:
    _require(user.role == "department", user, "提出会商意见（会商意见由被征求意见的部门提出）")
    row = _get(session, user, proposal_id)
    asked = next((o for o in row.opinions if o.department == user.department), None)
    if asked is None:
        raise Forbidden(f"调整申请 {row.id} 未征求{user.department}的意见")
    if row.state != "consulting":
        raise Conflict(f"调整申请 {row.id} 当前为“{STATES[row.state]}”，不在会商中，不能再提出会商意见")
    if asked.given_at is not None:
        raise Conflict(f"{user.department}已于 {asked.given_at:%Y-%m-%d %H:%M} 提出会商意见，不能重复提出")
    text = _text(opinion, "会商意见")
    changed = session.execute(update(OpinionRow).where(OpinionRow.id == asked.id, OpinionRow.given_at.is_(None)).values(
        agree=agree, opinion=text, given_by_name=user.display_name or user.username, given_at=now())
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict(f"{user.department}已提出会商意见，不能重复提出")
    for o in row.opinions:
        session.refresh(o)
    if all(o.given_at is not None for o in row.opinions):
        _move(session, row, ("consulting",), "结束会商", state="deciding")
    record(session, user.actor, "proposal.opinion", "proposal", row.id, None,
           {"department": user.department, "agree": agree, "opinion": text, "state": row.state})
    return row


def decide(session: Session, user: User, proposal_id: int, approved: bool, reason: str | None) -> ProposalRow:
    """县委、县政府审定 as the list office records it: approve or return. Approving over a department's
    disagreement, or before every department answered, needs a reason; returning always does."""
    _require(user.role == "admin", user, "审定调整申请")
    row = _get(session, user, proposal_id)
    against = [o.department for o in row.opinions if o.agree is False]
    silent = [o.department for o in row.opinions if o.given_at is None]
    reason = _text(reason, "审定理由", required=False)
    if not reason:
        if not approved:
            raise InvalidInput("退回调整申请须写明理由")
        if against:
            raise InvalidInput(f"{'、'.join(against)}不同意该调整；如仍批准，须写明理由")
        if silent:
            raise InvalidInput(f"{'、'.join(silent)}尚未提出会商意见；如现在批准，须写明理由")
    allowed = ("consulting", "deciding") if approved else ("submitted", "consulting", "deciding")
    state = "approved" if approved else "returned"
    previous = row.state
    _move(session, row, allowed, "批准" if approved else "退回", state=state,
          decided_by_name=user.display_name or user.username, decided_at=now(), decision_reason=reason or None)
    record(session, user.actor, "proposal.approve" if approved else "proposal.return", "proposal", row.id,
           {"state": previous}, {"state": state, "reason": reason or None, "overridden": against, "unanswered": silent})
    return row



# -- publishing -------------------------------------------------------------------------------------

class _Lists:
    """Each town's newest version and its lists, read once per operation (items shared across towns)."""

    def __init__(self, session: Session):
        self.session = session
        self.latest = latest_versions(session)
        self._datasets: dict = {}
        self._shared = ItemPool()

    def version(self, town: str):
        if town not in self.latest:
            raise NotFound(f"没有名为“{town}”的镇街，或它还没有清单")
        return self.latest[town]

    def dataset(self, town: str):
        if town not in self._datasets:
            self._datasets[town] = dataset_of(self.session, self.version(town).id, self._shared)
        return self._datasets[town]


def _towns_of(session: Session, row: ProposalRow) -> list[str]:
    return district_towns(session, row.district) if row.district else [row.town]


def place(session: Session, row: ProposalRow, town: str, lists: _Lists) -> Placement:
    """What the proposal does to one town's newest lists. In its own town the item is the one it named, unchanged
    since (else Conflict: the proposal is out of date); in the other towns of its district the item is found by
    content or title, and a town where it cannot be applied is reported in `problem`."""
    dataset = lists.dataset(town)
    spot = Placement(row.id, row.kind, town)
    if row.kind == "add":
        same = same_titled(dataset, row.after["list"], row.after["title"])
        if same:
            message = (f"{town}的{LIST_SHORT_NAMES[row.after['list']]}清单中已有“{row.after['title']}”"
                       f"（{'、'.join(i.code for i in same)}）")
            if row.district is None:
                raise Conflict(f"{message}（调整申请 {row.id}）")
            spot.problem = message
            return spot
        spot.after = row.after
        return spot
    if town == row.town:
        current = dataset.by_code().get(row.target_code)
        if current is None or comparable(current) != row.before:
            raise Conflict(f"{town}的 {row.target_code} 在版本“{dataset.version}”中已与调整申请 {row.id} "
                           "提出时不同（或已不存在），请退回后按现行内容重新申请")
        spot.target_code, spot.before, spot.after = row.target_code, row.before, row.after
        return spot
    found, problem = find_item(dataset, row.before)
    if found is None:
        spot.problem = problem
        return spot
    before = comparable(found)
    after = None if row.kind == "remove" else clean_item(session, {**before, **change_of(row.before, row.after)})
    if after == before:
        spot.problem = f"{town}的 {found.code} 已是调整后的内容"
        return spot
    spot.target_code, spot.before, spot.after = found.code, before, after
    return spot


def _placements(session: Session, rows: list[ProposalRow], lists: _Lists) -> dict[str, list[Placement]]:
    spots: dict[str, list[Placement]] = {}
    for row in rows:
        for town in _towns_of(session, row):
            spots.setdefault(town, []).append(place(session, row, town, lists))
    return spots


def conflicts(spots: dict[str, list[Placement]]) -> list[str]:
    """Two proposals that touch the same item of one town (or put the same title in one list) cannot go out
    together."""
    problems = []
    for town, mine in spots.items():
        seen: dict[tuple, int] = {}
        for spot in mine:
            if spot.problem:
                continue
            for key in spot.keys():
                if key in seen and seen[key] != spot.proposal_id:
                    what = key[1] if key[0] == "code" else f"“{spot.after['title']}”"
                    problems.append(f"调整申请 {seen[key]} 和 {spot.proposal_id} 都涉及{town}的{what}，"
                                    "请先退回其一或合并为一项")
                else:
                    seen[key] = spot.proposal_id
    return problems


def publish(session: Session, user: User, proposal_ids: list[int], label: str, effective_date: date) -> dict:
    """One new version per town the approved proposals touch: its newest version plus exactly those changes.
    A district-wide proposal goes to every town of its district; a town where its item cannot be found is left
    out and reported (`left_out`), never silently skipped."""
    _require(user.role == "admin", user, "发布动态调整")
    label = _text(label, "版本名称（如“2027年第一次动态调整”）", 128)
    if effective_date is None:
        raise InvalidInput("请填写生效日期")
    if effective_date < date.today():
        raise InvalidInput(f"生效日期（{effective_date.isoformat()}）不能早于今天（{date.today().isoformat()}）")
    ids = list(dict.fromkeys(int(i) for i in proposal_ids))
    if not ids:
        raise InvalidInput("请选择要发布的已批准调整申请")
    rows = [_get(session, user, i) for i in ids]
    waiting = [f"{r.id}（{STATES[r.state]}）" for r in rows if r.state != "approved"]
    if waiting:
        raise Conflict(f"只有已批准的调整申请可以发布；以下申请不是：{'、'.join(waiting)}")
    lists = _Lists(session)
    spots = _placements(session, rows, lists)
    problems = conflicts(spots)
    for row in rows:
        mine = [s for town_spots in spots.values() for s in town_spots if s.proposal_id == row.id]
        if all(s.problem for s in mine):
            problems.append(f"调整申请 {row.id} 在{scope_name(row)}中没有一个镇街可以适用："
                            + "；".join(s.problem for s in mine))
    if problems:
        raise Conflict("；".join(problems))
    results, done = [], {}
    for town, mine in spots.items():
        good = [s for s in mine if s.problem is None]
        version_id = None
        if good:
            base_info = lists.version(town)
            if effective_date < base_info.in_force_from:
                raise InvalidInput(f"{town}的版本“{base_info.label}”自 {base_info.in_force_from.isoformat()} 起生效，"
                                   "在其基础上的调整不能更早生效")
            dataset, codes = applied(lists.dataset(town), good, label)
            numbers = "、".join(str(s.proposal_id) for s in good)
            result = publish_in(session, user.actor, dataset, f"动态调整（调整申请 {numbers}）", label, effective_date)
            if not result.created:
                raise Conflict(f"{town}已有内容完全相同的版本“{result.label}”，未重复发布")
            version_id = result.version_id
            results.append({"town": town, "version_id": version_id, "label": label, "from": base_info.label,
                            "effective_date": effective_date.isoformat(), "items": result.items,
                            "proposals": [{"id": s.proposal_id, "code": codes[s.proposal_id]} for s in good]})
        for spot in mine:
            code = None if spot.problem else codes[spot.proposal_id]
            session.add(PublicationRow(proposal_id=spot.proposal_id, town=town,
                                       version_id=None if spot.problem else version_id, code=code,
                                       target_code=spot.target_code, before=spot.before, after=spot.after,
                                       problem=spot.problem))
            done.setdefault(spot.proposal_id, []).append({"town": town, "version_id": None if spot.problem else version_id,
                                                          "code": code, "problem": spot.problem})
    left_out = []
    for row in rows:
        went = [d for d in done[row.id] if not d["problem"]]
        missed = [d for d in done[row.id] if d["problem"]]
        single = went[0] if row.district is None else {"version_id": None, "code": None}
        _move(session, row, ("approved",), "发布", state="published", published_version_id=single["version_id"],
              published_code=single["code"])
        record(session, user.actor, "proposal.publish", "proposal", row.id, {"state": "approved"},
               {"state": "published", "version_id": single["version_id"], "code": single["code"],
                "towns": [{"town": d["town"], "version_id": d["version_id"], "code": d["code"]} for d in went],
                "left_out": [{"town": d["town"], "problem": d["problem"]} for d in missed],
                "effective_date": effective_date.isoformat()}, list_version=label)
        left_out += [{"proposal": row.id, "town": d["town"], "problem": d["problem"]} for d in missed]
    session.flush()
    return {"versions": results, "left_out": left_out}


def coverage(session: Session, row: ProposalRow) -> list[dict]:
    """Town by town, what the proposal does or did: the item it touches there, or why that town is left out.
    Before publishing, on the towns' newest lists (a preview); afterwards, as it was published."""
    if row.state == "published":
        labels = _labels(session, [row])
        return [_publication_dict(p, labels) for p in row.publications]
    lists = _Lists(session)
    out = []
    for town in _towns_of(session, row):
        try:
            spot = place(session, row, town, lists)
        except (Conflict, NotFound) as exc:
            spot = Placement(row.id, row.kind, town, problem=str(exc))
        out.append({"town": town, "target_code": spot.target_code,
                    "title": (spot.after or spot.before or {}).get("title"), "problem": spot.problem})
    return out


# -- from 事项准入 ------------------------------------------------------------------------------------

def from_reviews(session: Session, user: User, review_ids: list[int]) -> ProposalRow:
    """Approved 清单外 tasks (one, or the same task approved again and again, by one department) become a draft
    add-proposal: the task's text, the department and the reason filled in. Tasks of several towns of one
    district make a district-wide proposal."""
    ids = list(dict.fromkeys(int(i) for i in review_ids))
    if not ids:
        raise InvalidInput("请给出据以申请的准入审查编号")
    if len(ids) > 200:
        raise InvalidInput(f"一次最多据 200 项准入审查提出申请（给出了 {len(ids)} 项）")
    reviews = []
    for review_id in ids:
        review = session.get(ReviewRow, review_id)
        if review is None or user.role not in ("admin", "town", "department") or not may_view_review(user, review):
            raise NotFound(f"没有编号为 {review_id} 的准入审查，或您无权查看")
        if review.decision != "unlisted" or review.approval != "approved":
            raise Conflict(f"准入审查 {review.id} 不是经批准承接的清单外事项，不能据此申请新增事项")
        reviews.append(review)
    departments = list(dict.fromkeys(r.issuing_department for r in reviews))
    if len(departments) > 1:
        raise InvalidInput(f"这些准入审查的交办部门不同（{'、'.join(departments)}），请按部门分别申请")
    taken = taken_reviews(session)
    for review in reviews:
        if review.id in taken:
            raise Conflict(f"准入审查 {review.id} 已据此提出调整申请 {taken[review.id]}")
    towns = list(dict.fromkeys(r.town for r in reviews))
    district = None
    if len(towns) > 1:
        districts = set(session.scalars(select(TownRow.district).where(TownRow.name.in_(towns))))
        if len(districts) != 1 or "" in districts:
            raise InvalidInput(f"这些准入审查涉及不同区县的镇街（{'、'.join(towns)}），请按区县或镇街分别申请")
        district = districts.pop()
    latest = max(reviews, key=lambda r: (r.submitted_at, r.id))
    titles = Counter(r.title for r in reviews)
    title = max(titles, key=lambda t: (titles[t], t == latest.title))
    numbers = "、".join(str(r.id) for r in reviews)
    why = "；".join(dict.fromkeys(r.approval_reason for r in reviews if r.approval_reason))
    where = f"（{'、'.join(towns)}）" if len(towns) > 1 else ""
    reason = f"清单外事项经准入审查 {numbers}{where}批准由镇承接" + (f"：{why}" if why else "")
    duty = latest.text if len(latest.text) <= MAX_TEXT else latest.title
    draft = Draft(town=latest.town, kind="add", reason_kind="admission", reason=reason[:MAX_TEXT],
                  item={"list": "cooperative", "category": "", "title": title, "departments": departments,
                        "department_duties": [], "town_duties": [duty]},
                  basis_document=f"准入审查 {numbers}（{departments[0]}交办）"[:255], district=district)
    return create(session, user, draft, complete=False, review_ids=[r.id for r in reviews])


def from_review(session: Session, user: User, review_id: int) -> ProposalRow:
    """An approved 清单外 task becomes a draft add-proposal: its text, the department and the reason filled in."""
    return from_reviews(session, user, [review_id])


# -- reading ----------------------------------------------------------------------------------------

Labels = dict[int, tuple[str, "str | None"]]


def _opinion_dict(o: OpinionRow) -> dict:
    return {"department": o.department, "agree": o.agree, "opinion": o.opinion, "given_by": o.given_by_name,
            "given_at": o.given_at.isoformat() if o.given_at else None}


def _publication_dict(p: PublicationRow, labels: Labels) -> dict:
    label = labels.get(p.version_id or 0)
    return {"town": p.town, "version_id": p.version_id, "version": label[0] if label else None,
            "effective_date": label[1] if label else None, "code": p.code, "target_code": p.target_code,
            "title": (p.after or p.before or {}).get("title"), "problem": p.problem,
            "url": f"/t/{p.town}/{p.code}" if p.code and p.version_id else None}


def proposal_dict(row: ProposalRow, labels: Labels | None = None, here: PublicationRow | None = None) -> dict:
    """The proposal as the faces show it. `here`: where it was published in one town (the notice of that town
    shows that town's code and item); a one-town proposal shows where it went by itself."""
    labels = labels or {}
    publications = [_publication_dict(p, labels) for p in row.publications]
    if here is None and row.district is None:
        here = next((p for p in row.publications if p.version_id), None)
    published = labels.get(here.version_id or 0) if here else None
    before, after = (here.before, here.after) if here else (row.before, row.after)
    target = here.target_code if here else row.target_code
    code = (here.code if here else None) or target
    return {
        "id": row.id, "town": here.town if here else row.town, "district": row.district, "scope": scope_name(row),
        "proposer": row.proposer, "kind": row.kind, "kind_name": KINDS[row.kind], "target_code": target,
        "code": code, "title": (after or before or {}).get("title", ""),
        "before": before, "after": after, "reason_kind": row.reason_kind,
        "reason_kind_name": REASONS[row.reason_kind], "reason": row.reason, "basis_document": row.basis_document,
        "basis_number": row.basis_number, "basis_article": row.basis_article, "state": row.state,
        "state_name": STATES[row.state], "created_by": row.created_by_name, "created_at": row.created_at.isoformat(),
        "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None, "review_id": row.review_id,
        "review_ids": row.review_ids or ([row.review_id] if row.review_id else []),
        "decided_by": row.decided_by_name, "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decision_reason": row.decision_reason,
        "opinions": [_opinion_dict(o) for o in row.opinions], "rounds": row.rounds or [],
        "published_version_id": here.version_id if here else None,
        "published_code": here.code if here else None,
        "published_version": published[0] if published else None,
        "effective_date": published[1] if published else None, "publications": publications,
        "url": f"/proposals/{row.id}",
    }


def _labels(session: Session, rows: list[ProposalRow]) -> Labels:
    ids = {p.version_id for r in rows for p in r.publications if p.version_id}
    if not ids:
        return {}
    return {v.id: (v.label, v.effective_date.isoformat() if v.effective_date else None)
            for v in session.scalars(select(VersionRow).where(VersionRow.id.in_(ids)))}


class ProposalDesk:
    """动态调整 as the faces use it: rights checked, one transaction with its audit entry, plain data back."""

    def __init__(self, store, lists=None):
        self.store = store
        self.lists = lists
        self._adjustments_seen: tuple[tuple, dict[str, list[dict]]] = ((), {})  # (generation, town → published)

    def published_for_item(self, town: str, code: str) -> list[dict]:
        """The published adjustments that shaped one item (shown on every item page). Publishing adds a version,
        so the catalog's generation tells when to read them again: not one query per page view."""
        if self.lists is None:
            return self.published(town, code)
        generation = self.lists.generation()
        seen, by_town = self._adjustments_seen
        if seen != generation:
            by_town = {}
            self._adjustments_seen = (generation, by_town)
        rows = by_town.get(town)
        if rows is None:
            rows = by_town[town] = self.published(town)
        code = code.strip().upper()
        return [r for r in rows if code in (r.get("published_code"), r.get("target_code"))]

    def _one(self, work) -> dict:
        def run(session):
            row = work(session)
            session.refresh(row)
            return proposal_dict(row, _labels(session, [row]))
        return self.store.run(run)

    def create(self, user: User, draft: Draft) -> dict:
        return self._one(lambda s: create(s, user, draft))

    def edit(self, user: User, proposal_id: int, draft: Draft) -> dict:
        return self._one(lambda s: edit(s, user, proposal_id, draft))

    def patch(self, user: User, proposal_id: int, changes: dict) -> dict:
        return self._one(lambda s: patch(s, user, proposal_id, changes))

    def submit(self, user: User, proposal_id: int) -> dict:
        return self._one(lambda s: submit(s, user, proposal_id))

    def consult(self, user: User, proposal_id: int) -> dict:
        return self._one(lambda s: consult(s, user, proposal_id))

    def opinion(self, user: User, proposal_id: int, agree: bool, opinion: str) -> dict:
        return self._one(lambda s: give_opinion(s, user, proposal_id, agree, opinion))

    def decide(self, user: User, proposal_id: int, approved: bool, reason: str | None) -> dict:
        return self._one(lambda s: decide(s, user, proposal_id, approved, reason))

    def from_review(self, user: User, review_id: int) -> dict:
        return self._one(lambda s: from_review(s, user, review_id))

    def from_reviews(self, user: User, review_ids: list[int]) -> dict:
        return self._one(lambda s: from_reviews(s, user, review_ids))

    def publish(self, user: User, proposal_ids: list[int], label: str, effective_date: date) -> dict:
        return self.store.run(lambda s: publish(s, user, proposal_ids, label, effective_date))

    def one(self, user: User, proposal_id: int) -> dict:
        with self.store.transaction() as session:
            row = _get(session, user, proposal_id)
            return proposal_dict(row, _labels(session, [row]))

    def for_edit(self, user: User, proposal_id: int) -> dict:
        """The proposal to rewrite: only its proposer's (or the admin's), only a draft or a returned one (409)."""
        with self.store.transaction() as session:
            row = _get(session, user, proposal_id)
            _require(may_own(user, row), user, "修改该调整申请")
            _editable(row)
            return proposal_dict(row, {})

    def coverage(self, user: User, proposal_id: int) -> list[dict]:
        """Town by town, where the proposal goes (or went) and which towns it cannot be applied to."""
        with self.store.transaction() as session:
            return coverage(session, _get(session, user, proposal_id))

    def listing(self, user: User, state: str | None = None, town: str | None = None) -> list[dict]:
        _require(user.role in ("admin", "town", "department"), user, "查看调整申请")
        if state and state not in STATES:
            raise InvalidInput(f"不认识的状态“{state}”，可选：{'、'.join(f'{k}（{v}）' for k, v in STATES.items())}")
        with self.store.transaction() as session:
            query = select(ProposalRow).order_by(ProposalRow.id.desc())
            if state:
                query = query.where(ProposalRow.state == state)
            if town:
                district = session.scalar(select(TownRow.district).where(TownRow.name == town)) or None
                query = query.where(or_(ProposalRow.town == town, ProposalRow.district == district)
                                    if district else ProposalRow.town == town)
            home = home_district(session, user)
            rows = [r for r in session.scalars(query) if may_view(user, r, home)]
            labels = _labels(session, rows)
            return [proposal_dict(r, labels) for r in rows]

    def _published(self, session: Session, query) -> list[dict]:
        places = list(session.scalars(query.where(PublicationRow.version_id.is_not(None))
                                      .order_by(PublicationRow.proposal_id.desc(), PublicationRow.id)))
        rows = {r.id: r for r in session.scalars(select(ProposalRow).where(
            ProposalRow.id.in_({p.proposal_id for p in places})))} if places else {}
        labels = _labels(session, list(rows.values()))
        return [proposal_dict(rows[p.proposal_id], labels, here=p) for p in places]

    def published(self, town: str, code: str | None = None) -> list[dict]:
        """The public record (公示): a town's published adjustments, newest first; or those that shaped one item."""
        with self.store.transaction() as session:
            query = select(PublicationRow).where(PublicationRow.town == town)
            if code:
                code = code.strip().upper()
                query = query.where(or_(PublicationRow.code == code, PublicationRow.target_code == code))
            return self._published(session, query)

    def behind(self, version_ids: list[int]) -> dict[str, dict]:
        """The proposals these versions published, by the code they gave or changed (to link a diff to them);
        of two on one code, the later version's."""
        with self.store.transaction() as session:
            rows = self._published(session, select(PublicationRow).where(PublicationRow.version_id.in_(version_ids)))
            out: dict[str, dict] = {}
            for p in sorted(rows, key=lambda p: version_ids.index(p["published_version_id"])):
                for code in {p["published_code"], p["target_code"]} - {None}:
                    out[code] = p
            return out

    def between(self, town_info, old_id: int, new_id: int) -> dict[str, dict]:
        """The proposals behind a diff of two versions of a town: those published in the versions after the older
        one, up to and including the newer one."""
        low, high = sorted((old_id, new_id))
        return self.behind([v.id for v in town_info.versions if low < v.id <= high])


def reason_of(p: dict) -> dict:
    """A proposal as a diff names it: which one, why, on what basis."""
    return {"id": p["id"], "kind_name": p["kind_name"], "reason_kind": p["reason_kind"],
            "reason_kind_name": p["reason_kind_name"], "reason": p["reason"], "basis_document": p["basis_document"],
            "basis_number": p["basis_number"], "basis_article": p["basis_article"], "scope": p["scope"],
            "version": p["published_version"], "effective_date": p["effective_date"], "url": p["url"]}


def with_reasons(diff: dict, why: dict[str, dict]) -> dict:
    """A diff (as to_dict() gives it) with each added, removed and changed item naming the proposal behind it."""
    for key in ("added", "removed", "changed"):
        for entry in diff[key]:
            behind = why.get(entry["code"])
            entry["proposal"] = reason_of(behind) if behind else None
    return diff


__all__ = ["EDITABLE", "KINDS", "MAX_TEXT", "REASONS", "STATES", "Draft", "ProposalDesk", "as_item", "item_from_fields",
           "proposer_of", "reason_of", "with_reasons"]
