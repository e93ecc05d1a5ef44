"""List adjustments (动态调整): change proposals, consultation with the departments, the list office's decision,
and publishing approved proposals as a new dated version of a town's lists.

States: draft 草稿 → submitted 已提交 → consulting 会商中 → deciding 待审定 → approved 已批准 / returned 已退回
→ published 已发布. A town proposes for itself, a department for the items it leads or took back, the admin
(list office) for any. Each step is one transaction with its audit entry, taken only from the state it
expects (a conditional UPDATE): a wrong step is a Conflict (409), bad input InvalidInput (422).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..lists.diff import comparable
from ..lists.versions import town_info
from ..model import LIST_KINDS, LIST_PREFIX, LIST_SHORT_NAMES, Dataset, Item
from ..registry import is_body
from ..store.reading import dataset_of, item_from_values, town_records
from ..store.schema import OpinionRow, ProposalRow, ReviewRow, VersionRow
from .accounts import User, canonical_department
from .audit import now, record
from .publishing import publish_in

KINDS = {"add": "新增事项", "change": "修改事项", "remove": "删除事项", "move": "调整所属清单"}
REASONS = {"law": "法律法规立改废释", "function": "部门职能调整", "town": "乡镇申请", "admission": "清单外事项准入",
           "other": "其他"}
STATES = {"draft": "草稿", "submitted": "已提交", "consulting": "会商中", "deciding": "待审定", "approved": "已批准",
          "returned": "已退回", "published": "已发布"}
FIELDS = ("list", "category", "title", "departments", "department_duties", "town_duties", "handlers", "abolished",
          "note")
MAX_TEXT = 2_000
MAX_TITLE = 200


@dataclass
class Draft:
    """What a proposer writes: the change (for add the whole item; for change and move the fields that change)."""

    town: str
    kind: str
    reason_kind: str
    reason: str
    target_code: str | None = None
    item: dict = field(default_factory=dict)
    basis_document: str = ""
    basis_number: str = ""
    basis_article: str = ""


# -- the item after the change -----------------------------------------------------------------------

def _text(value, what: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what}应为文字")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"请填写{what}")
    if len(value) > limit:
        raise InvalidInput(f"{what}过长（{len(value)} 字），最多 {limit} 字")
    return value


def _texts(value, what: str, required: bool) -> list[str]:
    if isinstance(value, str):
        value = [line for line in value.splitlines()]
    if not isinstance(value, list):
        raise InvalidInput(f"{what}应为文字列表")
    texts = [_text(v, what) for v in value if not (isinstance(v, str) and not v.strip())]
    if required and not texts:
        raise InvalidInput(f"请填写{what}")
    return texts


def _groups(session: Session, value, names_key: str, texts_key: str, what: str, texts_what: str) -> list[dict]:
    if not isinstance(value, list):
        raise InvalidInput(f"{what}应为列表")
    groups = []
    for n, group in enumerate(value, 1):
        if not isinstance(group, dict):
            raise InvalidInput(f"{what}第 {n} 组应为对象（{names_key}、{texts_key}）")
        names = [canonical_department(session, d) for d in _texts(group.get(names_key, []), f"{what}第 {n} 组的部门", True)]
        groups.append({names_key: names, texts_key: _texts(group.get(texts_key, []), f"{what}第 {n} 组的{texts_what}", True)})
    return groups


def clean_item(session: Session, data: dict, complete: bool = True) -> dict:
    """The item's fields as the lists print them (no code or number), checked; department names canonical.
    `complete=False` lets a draft leave required parts empty (a draft made from a review, to be filled in)."""
    if not isinstance(data, dict):
        raise InvalidInput("事项内容应为对象")
    strangers = [key for key in data if key not in FIELDS and key not in ("code", "number")]
    if strangers:
        raise InvalidInput(f"事项内容中不认识的字段：{'、'.join(strangers)}；可用：{'、'.join(FIELDS)}")
    kind = data.get("list")
    if kind not in LIST_KINDS:
        raise InvalidInput("所属清单应为 basic（基本履职）、cooperative（配合履职）或 reclaimed（上级部门收回）")
    item = {"list": kind, "category": _text(data.get("category"), "类别", 64, complete),
            "title": _text(data.get("title"), "事项名称", MAX_TITLE, complete)}
    if kind == "cooperative":
        item["departments"] = [canonical_department(session, d)
                               for d in _texts(data.get("departments", []), "对应上级部门", complete)]
        item["department_duties"] = _groups(session, data.get("department_duties", []), "departments", "duties",
                                            "上级部门职责", "职责")
        item["town_duties"] = _texts(data.get("town_duties", []), "镇配合职责", complete)
        if complete and not item["department_duties"]:
            raise InvalidInput("配合履职事项须写明上级部门职责")
    elif kind == "reclaimed":
        item["handlers"] = _groups(session, data.get("handlers", []), "departments", "methods", "承接部门", "工作方式")
        item["abolished"] = bool(data.get("abolished", False))
        item["note"] = _text(data.get("note"), "备注", MAX_TEXT, required=False) or None
        if complete and not item["handlers"] and not (item["abolished"] and item["note"]):
            raise InvalidInput("收回事项须写明承接部门及其工作方式，或标明不再开展并附说明")
    return item


def _groups_of(lines: list[str], what: str) -> list[tuple[str, list[str]]]:
    """Lines "区卫生健康委：负责……" as (department, its lines), in order of first appearance."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        name, sep, text = line.replace(":", "：", 1).partition("：")
        if not sep or not name.strip() or not text.strip():
            raise InvalidInput(f"{what}“{line}”应写成“部门：内容”")
        groups.setdefault(name.strip(), []).append(text.strip())
    return list(groups.items())


def item_from_fields(kind_list: str | None, category: str | None, title: str | None, departments: list[str],
                     department_duties: list[str], town_duties: list[str], handlers: list[str]) -> dict:
    """An item (or the fields of one that change) from a form's or command's fields; only those given."""
    item: dict = {}
    for key, value in (("list", kind_list), ("category", category), ("title", title)):
        if value:
            item[key] = value
    if departments:
        item["departments"] = departments
    if department_duties:
        item["department_duties"] = [{"departments": [d], "duties": lines}
                                     for d, lines in _groups_of(department_duties, "上级部门职责")]
    if town_duties:
        item["town_duties"] = town_duties
    if handlers:
        item["handlers"] = [{"departments": [d], "methods": lines} for d, lines in _groups_of(handlers, "承接部门")]
    return item


def as_item(data: dict, code: str = "", number: int = 0) -> Item:
    detail = {k: data[k] for k in ("departments", "department_duties", "town_duties", "handlers") if k in data}
    return item_from_values(code, data["list"], number, data.get("category", ""), data.get("title", ""),
                            bool(data.get("abolished")), data.get("note"), detail)


def named_departments(row: ProposalRow) -> list[str]:
    """The departments the change names, before or after: the ones consulted."""
    names = [n for data in (row.before, row.after) if data for n in as_item(data).named_departments()]
    return [n for n in dict.fromkeys(names) if is_body(n)]


def _lead_departments(row: ProposalRow) -> set[str]:
    return {n for data in (row.before, row.after) if data for n in as_item(data).lead_departments}


# -- who may do what ---------------------------------------------------------------------------------

def may_propose(user: User, row: ProposalRow) -> bool:
    if user.role == "admin":
        return True
    if user.role == "town":
        return row.town == user.town
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


def may_view(user: User, row: ProposalRow) -> bool:
    if row.state == "published" or user.role == "admin":
        return True
    if user.role == "town":
        return row.town == user.town
    if user.role == "department":
        return (row.proposer == proposer_of(user) or user.department in named_departments(row) or user.department in _lead_departments(row)
                or user.department in {o.department for o in row.opinions})
    return False


def _require(ok: bool, user: User, doing: str) -> None:
    if not ok:
        raise Forbidden(f"{user.role_name}无权{doing}")


def _get(session: Session, user: User, proposal_id: int) -> ProposalRow:
    row = session.get(ProposalRow, proposal_id)
    if row is None or not may_view(user, row):
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

def latest_version(session: Session, town: str):
    """The town's newest version (the last to take effect, dated in the future or not): adjustments build on it."""
    for record_ in town_records(session):
        if record_.name == town and record_.versions:
            info = town_info(record_)
            return max(info.versions, key=lambda v: (v.in_force_from, v.id))
    raise NotFound(f"没有名为“{town}”的镇街，或它还没有清单")


def _shape(session: Session, draft: Draft, complete: bool) -> dict:
    """The proposal's fields from a draft: its base version, the item before and after."""
    if draft.kind not in KINDS:
        raise InvalidInput(f"不认识的调整类型“{draft.kind}”，可选：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}")
    if draft.reason_kind not in REASONS:
        raise InvalidInput(f"不认识的调整理由“{draft.reason_kind}”，可选："
                           f"{'、'.join(f'{k}（{v}）' for k, v in REASONS.items())}")
    town = _text(draft.town, "镇街", 64)
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
    return {"town": town, "kind": draft.kind, "target_code": None if draft.kind == "add" else draft.target_code.strip().upper(),
            "base_version_id": version.id, "before": before, "after": after, "reason_kind": draft.reason_kind,
            "reason": _text(draft.reason, "调整理由"), "basis_document": _text(draft.basis_document, "依据文件名称", 255, False),
            "basis_number": _text(draft.basis_number, "依据文号", 128, False),
            "basis_article": _text(draft.basis_article, "依据条款", 255, False)}


def _snapshot(row: ProposalRow) -> dict:
    return {"state": row.state, "town": row.town, "kind": row.kind, "target_code": row.target_code,
            "after": row.after, "reason_kind": row.reason_kind}


# -- steps ------------------------------------------------------------------------------------------

def create(session: Session, user: User, draft: Draft, complete: bool = True, review_id: int | None = None) -> ProposalRow:
    _require(user.role in ("admin", "town", "department"), user, "提出调整申请")
    if user.role == "town" and draft.town and draft.town != user.town:
        raise Forbidden(f"您只能为{user.town}提出调整申请")
    if user.role == "town":
        draft.town = user.town
    row = ProposalRow(**_shape(session, draft, complete), state="draft", created_by=user.id or None,
                      created_by_name=user.display_name or user.username, proposer=proposer_of(user), created_at=now(),
                      review_id=review_id)
    _require(may_propose(user, row), user, f"就{row.target_code or '该事项'}提出调整申请（部门只能就本部门牵头或承接的事项提出）")
    session.add(row)
    session.flush()
    record(session, user.actor, "proposal.create", "proposal", row.id, after=_snapshot(row))
    return row


def edit(session: Session, user: User, proposal_id: int, draft: Draft) -> ProposalRow:
    row = _get(session, user, proposal_id)
    _require(may_own(user, row), user, "修改该调整申请")
    if row.state != "draft":
        raise Conflict(f"调整申请 {row.id} 当前为“{STATES[row.state]}”，只有草稿可以修改")
    before = _snapshot(row)
    if user.role == "town":
        draft.town = user.town
    for key, value in _shape(session, draft, complete=False).items():
        setattr(row, key, value)
    _require(may_own(user, row), user, "这样修改该调整申请")
    session.flush()
    record(session, user.actor, "proposal.edit", "proposal", row.id, before, _snapshot(row))
    return row


def submit(session: Session, user: User, proposal_id: int) -> ProposalRow:
    row = _get(session, user, proposal_id)
    _require(may_own(user, row), user, "提交该调整申请")
    if row.after is not None:
        clean_item(session, row.after, complete=True)  # a draft from a review must be filled in first
    _move(session, row, ("draft",), "提交", state="submitted", submitted_at=now())
    record(session, user.actor, "proposal.submit", "proposal", row.id, {"state": "draft"}, {"state": "submitted"})
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

def conflicts(rows: list[ProposalRow]) -> list[str]:
    """Two proposals of one town that touch the same item (or add the same title) cannot go out together."""
    problems, seen = [], {}
    for row in rows:
        keys = [(row.town, "code", row.target_code)] if row.target_code else []
        if row.after is not None:
            keys.append((row.town, "title", row.after["list"], row.after["title"]))
        for key in keys:
            if key in seen:
                what = key[2] if key[1] == "code" else f"“{key[3]}”"
                problems.append(f"调整申请 {seen[key]} 和 {row.id} 都涉及{row.town}的{what}，请先退回其一或合并为一项")
            else:
                seen[key] = row.id
    return problems


def _applied(base: Dataset, rows: list[ProposalRow], label: str) -> tuple[Dataset, dict[int, str]]:
    """The base version plus exactly these changes; codes stay, an added or moved item takes the next number."""
    by_code = base.by_code()
    for row in rows:
        if row.target_code:
            current = by_code.get(row.target_code)
            if current is None or comparable(current) != row.before:
                raise Conflict(f"{row.town}的 {row.target_code} 在版本“{base.version}”中已与调整申请 {row.id} "
                               "提出时不同（或已不存在），请退回后按现行内容重新申请")
        elif any(i.list == row.after["list"] and i.title == row.after["title"] for i in base.items):
            raise Conflict(f"{row.town}的{LIST_SHORT_NAMES[row.after['list']]}清单中已有“{row.after['title']}”"
                           f"（调整申请 {row.id}）")
    replaced = {row.target_code: row for row in rows if row.kind == "change"}
    dropped = {row.target_code for row in rows if row.kind in ("remove", "move")}
    lists = {kind: [] for kind in LIST_KINDS}
    for item in base.items:
        if item.code in dropped:
            continue
        if item.code in replaced:
            item = as_item(replaced[item.code].after, item.code, item.number)
        lists[item.list].append(item)
    numbers = {kind: max([i.number for i in base.items_of(kind)], default=0) for kind in LIST_KINDS}
    codes: dict[int, str] = {}
    for row in rows:
        if row.kind in ("add", "move"):
            kind = row.after["list"]
            numbers[kind] += 1
            code = f"{LIST_PREFIX[kind]}{numbers[kind]}"
            lists[kind].append(as_item(row.after, code, numbers[kind]))
            codes[row.id] = code
        else:
            codes[row.id] = row.target_code
    items = [item for kind in LIST_KINDS for item in lists[kind]]
    return Dataset(base.town, label, items), codes


def publish(session: Session, user: User, proposal_ids: list[int], label: str, effective_date: date) -> list[dict]:
    """One new version per town holding the approved proposals: the newest version plus exactly those changes."""
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
    problems = conflicts(rows)
    if problems:
        raise Conflict("；".join(problems))
    results = []
    for town in dict.fromkeys(r.town for r in rows):
        mine = [r for r in rows if r.town == town]
        base_info = latest_version(session, town)
        if effective_date < base_info.in_force_from:
            raise InvalidInput(f"{town}的版本“{base_info.label}”自 {base_info.in_force_from.isoformat()} 起生效，"
                               "在其基础上的调整不能更早生效")
        base = dataset_of(session, base_info.id)
        dataset, codes = _applied(base, mine, label)
        result = publish_in(session, user.actor, dataset, f"动态调整（调整申请 {'、'.join(str(r.id) for r in mine)}）",
                            label, effective_date)
        if not result.created:
            raise Conflict(f"{town}已有内容完全相同的版本“{result.label}”，未重复发布")
        for row in mine:
            _move(session, row, ("approved",), "发布", state="published", published_version_id=result.version_id,
                  published_code=codes[row.id])
            record(session, user.actor, "proposal.publish", "proposal", row.id, {"state": "approved"},
                   {"state": "published", "version_id": result.version_id, "code": codes[row.id],
                    "effective_date": effective_date.isoformat()}, list_version=label)
        results.append({"town": town, "version_id": result.version_id, "label": label, "from": base_info.label,
                        "effective_date": effective_date.isoformat(), "items": result.items,
                        "proposals": [{"id": r.id, "code": codes[r.id]} for r in mine]})
    return results


# -- from 事项准入 ------------------------------------------------------------------------------------

def from_review(session: Session, user: User, review_id: int) -> ProposalRow:
    """An approved 清单外 task becomes a draft add-proposal: its text, the department and the reason filled in."""
    review = session.get(ReviewRow, review_id)
    if review is None or not (user.role == "admin" or (user.role == "town" and review.town == user.town)):
        raise NotFound(f"没有编号为 {review_id} 的准入审查，或您无权查看")
    if review.decision != "unlisted" or review.approval != "approved":
        raise Conflict(f"准入审查 {review.id} 不是经批准承接的清单外事项，不能据此申请新增事项")
    taken = session.scalar(select(ProposalRow.id).where(ProposalRow.review_id == review.id))
    if taken is not None:
        raise Conflict(f"准入审查 {review.id} 已据此提出调整申请 {taken}")
    draft = Draft(town=review.town, kind="add", reason_kind="admission",
                  reason=f"清单外事项经准入审查 {review.id} 批准由镇承接：{review.approval_reason or ''}".strip("："),
                  item={"list": "cooperative", "category": "", "title": review.title,
                        "departments": [review.issuing_department],
                        "department_duties": [], "town_duties": [review.text]},
                  basis_document=f"准入审查 {review.id}（{review.issuing_department}交办）")
    return create(session, user, draft, complete=False, review_id=review.id)


# -- reading ----------------------------------------------------------------------------------------

def proposal_dict(row: ProposalRow, version_labels: dict[int, tuple[str, str | None]] | None = None) -> dict:
    labels = version_labels or {}
    published = labels.get(row.published_version_id or 0)
    after_item = row.after
    return {
        "id": row.id, "town": row.town, "proposer": row.proposer, "kind": row.kind, "kind_name": KINDS[row.kind], "target_code": row.target_code,
        "code": row.published_code or row.target_code, "title": (after_item or row.before or {}).get("title", ""),
        "before": row.before, "after": after_item, "reason_kind": row.reason_kind,
        "reason_kind_name": REASONS[row.reason_kind], "reason": row.reason, "basis_document": row.basis_document,
        "basis_number": row.basis_number, "basis_article": row.basis_article, "state": row.state,
        "state_name": STATES[row.state], "created_by": row.created_by_name, "created_at": row.created_at.isoformat(),
        "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None, "review_id": row.review_id,
        "decided_by": row.decided_by_name, "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decision_reason": row.decision_reason,
        "opinions": [{"department": o.department, "agree": o.agree, "opinion": o.opinion, "given_by": o.given_by_name,
                      "given_at": o.given_at.isoformat() if o.given_at else None} for o in row.opinions],
        "published_version_id": row.published_version_id, "published_code": row.published_code,
        "published_version": published[0] if published else None,
        "effective_date": published[1] if published else None, "url": f"/proposals/{row.id}",
    }


def _labels(session: Session, rows: list[ProposalRow]) -> dict[int, tuple[str, str | None]]:
    ids = {r.published_version_id for r in rows if r.published_version_id}
    if not ids:
        return {}
    return {v.id: (v.label, v.effective_date.isoformat() if v.effective_date else None)
            for v in session.scalars(select(VersionRow).where(VersionRow.id.in_(ids)))}


class ProposalDesk:
    """动态调整 as the faces use it: rights checked, one transaction with its audit entry, plain data back."""

    def __init__(self, store, lists=None):
        self.store = store
        self.lists = lists
        self._published: tuple[tuple, dict[str, list[dict]]] = ((), {})

    def published_for_item(self, town: str, code: str) -> list[dict]:
        """The published adjustments that shaped one item (shown on every item page). Publishing adds a version,
        so the catalog's generation tells when to read them again: not one query per page view."""
        if self.lists is None:
            return self.published(town, code)
        generation = self.lists.generation()
        seen, by_town = self._published
        if seen != generation:
            by_town = {}
            self._published = (generation, by_town)
        rows = by_town.get(town)
        if rows is None:
            rows = by_town[town] = self.published(town)
        code = code.strip().upper()
        return [r for r in rows if code in (r.get("published_code"), r.get("target_code"))]

    def _one(self, work) -> dict:
        def run(session):
            row = work(session)
            return proposal_dict(row, _labels(session, [row]))
        return self.store.run(run)

    def create(self, user: User, draft: Draft) -> dict:
        return self._one(lambda s: create(s, user, draft))

    def edit(self, user: User, proposal_id: int, draft: Draft) -> dict:
        return self._one(lambda s: edit(s, user, proposal_id, draft))

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

    def publish(self, user: User, proposal_ids: list[int], label: str, effective_date: date) -> list[dict]:
        return self.store.run(lambda s: publish(s, user, proposal_ids, label, effective_date))

    def one(self, user: User, proposal_id: int) -> dict:
        with self.store.transaction() as session:
            row = _get(session, user, proposal_id)
            return proposal_dict(row, _labels(session, [row]))

    def listing(self, user: User, state: str | None = None, town: str | None = None) -> list[dict]:
        _require(user.role in ("admin", "town", "department"), user, "查看调整申请")
        if state and state not in STATES:
            raise InvalidInput(f"不认识的状态“{state}”，可选：{'、'.join(f'{k}（{v}）' for k, v in STATES.items())}")
        with self.store.transaction() as session:
            query = select(ProposalRow).order_by(ProposalRow.id.desc())
            if state:
                query = query.where(ProposalRow.state == state)
            if town:
                query = query.where(ProposalRow.town == town)
            rows = [r for r in session.scalars(query) if may_view(user, r)]
            labels = _labels(session, rows)
            return [proposal_dict(r, labels) for r in rows]

    def published(self, town: str, code: str | None = None) -> list[dict]:
        """The public record (公示): a town's published adjustments, newest first; or those that shaped one item."""
        with self.store.transaction() as session:
            query = select(ProposalRow).where(ProposalRow.town == town, ProposalRow.state == "published")
            rows = list(session.scalars(query.order_by(ProposalRow.id.desc())))
            if code:
                code = code.strip().upper()
                rows = [r for r in rows if code in (r.published_code, r.target_code)]
            labels = _labels(session, rows)
            return [proposal_dict(r, labels) for r in rows]

    def by_version(self, version_id: int) -> dict[str, dict]:
        """The proposals a version published, by the code they gave or changed (to link a diff to them)."""
        with self.store.transaction() as session:
            rows = list(session.scalars(select(ProposalRow).where(ProposalRow.published_version_id == version_id)))
            labels = _labels(session, rows)
            out = {}
            for r in rows:
                data = proposal_dict(r, labels)
                for code in {r.published_code, r.target_code} - {None}:
                    out[code] = data
            return out
