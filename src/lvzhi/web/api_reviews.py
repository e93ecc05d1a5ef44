"""The REST API for 事项准入 and accounts: reviews, decisions, approvals, opinions, monitor, audit log, users.

Every call is checked against the caller's role and scope (lvzhi.review.service decides who may do what).
Changes made through a browser session need the session's CSRF token; API tokens do not.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Optional
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..work import accounts
from ..work.audit import entries, entry_dict
from ..review import propose
from ..work import reviews
from ..review.kinds import DECISIONS, MAX_ATTACHMENT_CHARS, MAX_REASON_CHARS, MAX_TEXT_CHARS
from ..review.opinion import opinion_docx
from .api import CatalogDep, EXPORT_TYPES
from .auth import SignedIn, check_csrf
from .errors import ApiError
from ..formats.reports import audit_table, monitor_table
from ..formats.sheets import table_bytes

router = APIRouter(prefix="/api/v1", tags=["准入审查与账号"])
ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1, description="准入审查编号")]
Username = Annotated[str, Path(max_length=64)]


class ReviewCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=MAX_TEXT_CHARS, description="任务或通知的文字")
    attachment_text: str = Field("", max_length=MAX_ATTACHMENT_CHARS)
    town: Optional[str] = Field(None, max_length=64)


class ReviewSubmission(ReviewCheck):
    issuing_department: str = Field("", max_length=128, description="交办部门；部门账号提交时固定为本部门")
    title: str = Field("", max_length=200)
    deadline: Optional[date] = Field(None, description="办理期限，如 2026-12-31")


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["admit", "cooperate", "return", "abolished", "unlisted"] = Field(
        ..., description="admit 准入、cooperate 配合准入、return 退回、abolished 不再开展、unlisted 清单外")
    reason: str = Field("", max_length=MAX_REASON_CHARS, description="与系统建议不同时必填")
    csrf_token: Optional[str] = Field(None, max_length=128)


class ApprovalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approved: bool = Field(..., description="true 批准镇承接，false 不予承接")
    reason: str = Field(..., min_length=1, max_length=MAX_REASON_CHARS)
    csrf_token: Optional[str] = Field(None, max_length=128)


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=accounts.MIN_PASSWORD_CHARS, max_length=256)
    role: Literal["admin", "town", "department", "dispatcher"]
    town: Optional[str] = Field(None, max_length=64)
    department: Optional[str] = Field(None, max_length=128)
    display_name: str = Field("", max_length=64)
    csrf_token: Optional[str] = Field(None, max_length=128)


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["admin", "town", "department", "dispatcher"]
    town: Optional[str] = Field(None, max_length=64)
    department: Optional[str] = Field(None, max_length=128)
    csrf_token: Optional[str] = Field(None, max_length=128)


class ActiveChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool
    csrf_token: Optional[str] = Field(None, max_length=128)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("api", min_length=1, max_length=64)
    csrf_token: Optional[str] = Field(None, max_length=128)


def _admin(user) -> None:
    if user.role != "admin":
        raise reviews.Forbidden(f"{user.role_name}无权管理账号或查看审计日志")


def _download(content: bytes, fmt: str, name: str) -> Response:
    return Response(content, media_type=EXPORT_TYPES.get(fmt, "application/octet-stream"),
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# -- who am I ----------------------------------------------------------------------------------------

@router.get("/me", summary="当前账号")
async def me(user: SignedIn) -> dict:
    """当前登录（或令牌所属）账号的用户名、角色和绑定的镇街或部门。"""
    return user.to_dict()


# -- reviews -----------------------------------------------------------------------------------------

@router.post("/reviews/check", summary="准入预审（不登记）")
async def check_review(body: ReviewCheck, lists: CatalogDep) -> dict:
    """按清单给出建议的决定（准入、配合准入、退回、不再开展、清单外）和引用的事项，不作记录；无需登录。"""
    town = body.town or lists.default_town()
    proposal = propose(lists.resolver(town), body.text, body.attachment_text)
    return {"town": town, "list_version": lists.version(town).label, **proposal.to_dict()}


@router.post("/reviews", summary="提交准入审查", status_code=201)
async def submit_review(body: ReviewSubmission, user: SignedIn, lists: CatalogDep, request: Request) -> dict:
    """部门提交（或镇街登记收到的）任务；系统按清单预审并记录建议。部门账号只能以本部门名义提交，镇街账号只能为本镇登记。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return _submit(lists, user, reviews.Submission(body.town or "", body.issuing_department, body.text, body.title,
                                                   body.attachment_text, body.deadline))


def _submit(lists, user, submission: reviews.Submission) -> dict:
    with lists.store.transaction() as session:
        prepared = reviews.prepare(session, user, submission)
    town = prepared.town or lists.default_town()
    version = lists.version(town)
    proposal = propose(lists.resolver(town), prepared.text, prepared.attachment_text)
    prepared.town = town

    def work(session):
        row = reviews.submit(session, user, prepared, proposal, version.id, version.label)
        return reviews.review_dict(row, accounts.display_names(session, {row.submitted_by}))

    return lists.store.run(work)


@router.get("/reviews", summary="准入审查列表")
async def list_reviews(user: SignedIn, lists: CatalogDep,
                       state: Annotated[Optional[Literal["pending", "awaiting_approval", "decided"]], Query()] = None,
                       page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                       per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """本人可见的审查：管理员看全部，镇街看本镇，部门看本部门提交的；新的在前。"""
    with lists.store.transaction() as session:
        total, rows = reviews.visible(session, user, state, per_page, (page - 1) * per_page)
        people = accounts.display_names(session, {i for r in rows for i in (r.submitted_by, r.decided_by, r.approved_by)})
        return {"total": total, "page": page, "per_page": per_page,
                "reviews": [reviews.review_dict(r, people) for r in rows]}


def _one(lists, user, review_id: int) -> dict:
    with lists.store.transaction() as session:
        row = reviews.get(session, user, review_id)
        return reviews.review_dict(row, accounts.display_names(session, {row.submitted_by, row.decided_by, row.approved_by}))


@router.get("/reviews/{review_id}", summary="一条准入审查")
async def get_review(review_id: ReviewId, user: SignedIn, lists: CatalogDep) -> dict:
    """任务、系统建议（含引用事项、镇配合职责和超出部分的提示）、决定和审批。"""
    return _one(lists, user, review_id)


@router.post("/reviews/{review_id}/decision", summary="作出审查决定")
async def decide_review(review_id: ReviewId, body: DecisionBody, user: SignedIn, lists: CatalogDep,
                        request: Request) -> dict:
    """镇街（本镇）或管理员确认或改变系统建议；改变时须写理由。已决定的再次决定返回 409。清单外决定后等待管理员审批。"""
    check_csrf(request, body.csrf_token)
    lists.store.run(lambda session: reviews.decide(session, user, review_id, body.decision, body.reason))
    return _one(lists, user, review_id)


@router.post("/reviews/{review_id}/approval", summary="审批清单外事项")
async def approve_review(review_id: ReviewId, body: ApprovalBody, user: SignedIn, lists: CatalogDep,
                         request: Request) -> dict:
    """管理员对“清单外”决定写明理由后批准镇承接或不予承接。"""
    check_csrf(request, body.csrf_token)
    lists.store.run(lambda session: reviews.approve(session, user, review_id, body.approved, body.reason))
    return _one(lists, user, review_id)


@router.get("/reviews/{review_id}/opinion.docx", summary="下载审查意见（Word）")
async def review_opinion(review_id: ReviewId, user: SignedIn, lists: CatalogDep) -> Response:
    """审查意见的 .docx 文件：基本情况、任务、清单依据、镇配合职责或承接部门工作方式、审查结论。"""
    review = _one(lists, user, review_id)
    return _download(opinion_docx(review), "docx", f"准入审查意见-{review_id}.docx")


# -- monitor and audit -------------------------------------------------------------------------------

Month = Annotated[Optional[str], Query(pattern=r"^\d{4}-\d{2}$", description="月份，如 2026-11")]


@router.get("/monitor", summary="准入监测")
async def monitor(user: SignedIn, lists: CatalogDep, month: Month = None) -> dict:
    """按部门和月份统计提交、准入、配合准入、退回、不再开展、清单外；列出退回的任务，标出同一部门再次推送已收回事项的情况。"""
    with lists.store.transaction() as session:
        return reviews.monitor(session, user, month)


@router.get("/monitor.xlsx", summary="下载准入监测（Excel）")
async def monitor_xlsx(user: SignedIn, lists: CatalogDep, month: Month = None) -> Response:
    """同 /monitor，两张工作表：统计、退回的任务。"""
    with lists.store.transaction() as session:
        data = reviews.monitor(session, user, month)
    return _download(table_bytes(monitor_table(data), "xlsx"), "xlsx", f"准入监测-{month or '全部'}.xlsx")


@router.get("/audit", summary="审计日志")
async def audit_log(user: SignedIn, lists: CatalogDep,
                    action: Annotated[Optional[str], Query(max_length=32)] = None,
                    object_type: Annotated[Optional[str], Query(max_length=32)] = None,
                    object_id: Annotated[Optional[str], Query(max_length=64)] = None,
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                    per_page: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """只读、只增的审计日志（管理员）：谁、何时、做了什么、之前和之后、依据的清单版本。新的在前。"""
    _admin(user)
    with lists.store.transaction() as session:
        total, rows = entries(session, per_page, (page - 1) * per_page, action, object_type, object_id)
        return {"total": total, "page": page, "per_page": per_page, "entries": [entry_dict(r) for r in rows]}


@router.get("/audit.{fmt}", summary="导出审计日志")
async def audit_export(fmt: Literal["csv", "xlsx"], user: SignedIn, lists: CatalogDep) -> Response:
    """全部审计日志，CSV（UTF-8 带 BOM）或 xlsx（管理员）。"""
    _admin(user)
    with lists.store.transaction() as session:
        _, rows = entries(session, limit=10**9)
        table = audit_table([entry_dict(r) for r in rows])
    return _download(table_bytes(table, fmt), fmt, f"审计日志.{fmt}")


# -- accounts ----------------------------------------------------------------------------------------

@router.get("/users", summary="账号列表")
async def list_users(user: SignedIn, lists: CatalogDep) -> dict:
    """全部账号（管理员）。"""
    _admin(user)
    with lists.store.transaction() as session:
        return {"users": [u.to_dict() for u in accounts.list_users(session)]}


@router.post("/users", summary="新增账号", status_code=201)
async def add_user(body: NewUser, user: SignedIn, lists: CatalogDep, request: Request) -> dict:
    """新增账号（管理员）。镇街工作人员须绑定镇街，部门工作人员须绑定部门。"""
    _admin(user)
    check_csrf(request, body.csrf_token)
    return lists.store.run(lambda session: accounts.add_user(
        session, user.actor, body.username, body.password, body.role, body.town, body.department,
        body.display_name).to_dict())


@router.post("/users/{username}/role", summary="修改角色")
async def change_role(username: Username, body: RoleChange, user: SignedIn, lists: CatalogDep,
                      request: Request) -> dict:
    """修改账号的角色和绑定（管理员）；该账号须重新登录。"""
    _admin(user)
    check_csrf(request, body.csrf_token)
    return lists.store.run(lambda session: accounts.set_role(
        session, user.actor, username, body.role, body.town, body.department).to_dict())


@router.post("/users/{username}/active", summary="停用或启用账号")
async def change_active(username: Username, body: ActiveChange, user: SignedIn, lists: CatalogDep,
                        request: Request) -> dict:
    """停用（active=false）或重新启用账号（管理员）；停用即退出其全部登录。"""
    _admin(user)
    check_csrf(request, body.csrf_token)
    if username == user.username and not body.active:
        raise ApiError(422, "invalid_input", "不能停用自己的账号")
    return lists.store.run(lambda session: accounts.set_active(session, user.actor, username, body.active).to_dict())


@router.post("/users/{username}/tokens", summary="发放 API 令牌", status_code=201)
async def add_token(username: Username, body: TokenRequest, user: SignedIn, lists: CatalogDep,
                    request: Request) -> dict:
    """为账号发放一个 API 令牌（管理员）；令牌只在此时显示一次，调用时放在请求头 Authorization: Bearer 令牌。"""
    _admin(user)
    check_csrf(request, body.csrf_token)
    token = lists.store.run(lambda session: accounts.issue_token(session, user.actor, username, body.name))
    return {"username": username, "name": body.name, "token": token}


@router.get("/decisions", summary="决定类别")
async def decision_kinds() -> dict:
    """准入审查决定的取值及中文名称。"""
    return {"decisions": DECISIONS}
