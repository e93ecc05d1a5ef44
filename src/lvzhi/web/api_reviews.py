"""The REST API for 事项准入 and accounts: reviews, decisions, approvals, opinions, monitor, audit log, users.

Every call is checked against the caller's role and scope by the services (lvzhi.work decides who may do what).
Changes made through a browser session need the session's CSRF token; API tokens do not.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from ..formats.reports import audit_table, monitor_table
from ..formats.sheets import table_bytes
from ..review.kinds import DECISIONS, MAX_ATTACHMENT_CHARS, MAX_REASON_CHARS, MAX_TEXT_CHARS
from ..review.opinion import opinion_docx
from ..work import accounts, reviews
from .api import EXPORT_TYPES, ServicesDep
from .auth import SignedIn, check_csrf
from .downloads import table_download
from .limits import charge
from .openapi import IsoDate, JsonBool, JsonInt, StrictBody, downloads, limited

router = APIRouter(prefix="/api/v1", tags=["准入审查与账号"])
ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1, description="准入审查编号")]
Username = Annotated[str, Path(max_length=64)]


class ReviewCheck(StrictBody):
    text: str = Field(..., min_length=1, max_length=MAX_TEXT_CHARS, description="任务或通知的文字")
    attachment_text: str = Field("", max_length=MAX_ATTACHMENT_CHARS)
    town: Optional[str] = Field(None, max_length=64)


class ReviewSubmission(ReviewCheck):
    issuing_department: str = Field("", max_length=128, description="交办部门；部门账号提交时固定为本部门")
    title: str = Field("", max_length=200)
    deadline: Optional[IsoDate] = Field(None, description="办理期限，如 2026-12-31")


class DecisionBody(StrictBody):
    decision: Literal["admit", "cooperate", "return", "abolished", "unlisted"] = Field(
        ..., description="admit 准入、cooperate 配合准入、return 退回、abolished 不再开展、unlisted 清单外")
    reason: str = Field("", max_length=MAX_REASON_CHARS, description="与系统建议不同时必填")
    cited_item: Optional[str] = Field(None, max_length=16, description="改正决定所引用的事项编码（缺省沿用系统建议引用的事项）")
    csrf_token: Optional[str] = Field(None, max_length=128)


class ApprovalBody(StrictBody):
    approved: JsonBool = Field(..., description="true 批准镇承接，false 不予承接")
    reason: str = Field(..., min_length=1, max_length=MAX_REASON_CHARS)
    csrf_token: Optional[str] = Field(None, max_length=128)


class NewUser(StrictBody):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=accounts.MIN_PASSWORD_CHARS, max_length=256)
    role: Literal["admin", "town", "department", "dispatcher"]
    town: Optional[str] = Field(None, max_length=64)
    department: Optional[str] = Field(None, max_length=128)
    display_name: str = Field("", max_length=64)
    csrf_token: Optional[str] = Field(None, max_length=128)


class RoleChange(StrictBody):
    role: Literal["admin", "town", "department", "dispatcher"]
    town: Optional[str] = Field(None, max_length=64)
    department: Optional[str] = Field(None, max_length=128)
    csrf_token: Optional[str] = Field(None, max_length=128)


class ActiveChange(StrictBody):
    active: JsonBool
    csrf_token: Optional[str] = Field(None, max_length=128)


class TokenRequest(StrictBody):
    name: str = Field("api", min_length=1, max_length=64)
    days: Optional[JsonInt] = Field(accounts.DEFAULT_TOKEN_DAYS, ge=1, le=3650, description="有效天数；null 表示永不过期")
    csrf_token: Optional[str] = Field(None, max_length=128)


class CsrfOnly(StrictBody):
    csrf_token: Optional[str] = Field(None, max_length=128)


def _download(content: bytes, fmt: str, name: str) -> Response:
    return Response(content, media_type=EXPORT_TYPES.get(fmt, "application/octet-stream"),
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# -- who am I ----------------------------------------------------------------------------------------

@router.get("/me", summary="当前账号")
def me(user: SignedIn) -> dict:
    """当前登录（或令牌所属）账号的用户名、角色和绑定的镇街或部门。"""
    return user.to_dict()


# -- reviews -----------------------------------------------------------------------------------------

@router.post("/reviews/check", summary="准入预审（不登记）", **limited())
def check_review(body: ReviewCheck, work: ServicesDep, request: Request) -> dict:
    """按清单给出建议的决定（准入、配合准入、退回、不再开展、清单外）和引用的事项，不作记录；无需登录。"""
    charge(request, body.text, body.attachment_text)
    return work.reviews.check(body.town, body.text, body.attachment_text)


@router.post("/reviews", summary="提交准入审查", status_code=201)
def submit_review(body: ReviewSubmission, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """部门提交（或镇街登记收到的）任务；系统按清单预审并记录建议。部门账号只能以本部门名义提交，镇街账号只能为本镇登记。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.reviews.submit(user, reviews.Submission(body.town or "", body.issuing_department, body.text, body.title,
                                                        body.attachment_text, body.deadline))


@router.get("/reviews", summary="准入审查列表")
def list_reviews(user: SignedIn, work: ServicesDep,
                       state: Annotated[Optional[Literal["pending", "awaiting_approval", "decided"]], Query()] = None,
                       page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                       per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """本人可见的审查：管理员看全部，镇街看本镇，部门看本部门提交的；新的在前。"""
    return work.reviews.listing(user, state, page, per_page)


@router.get("/reviews/{review_id:int}", summary="一条准入审查")
def get_review(review_id: ReviewId, user: SignedIn, work: ServicesDep) -> dict:
    """任务、系统建议（含引用事项、镇配合职责和超出部分的提示）、决定和审批。"""
    return work.reviews.one(user, review_id)


@router.post("/reviews/{review_id:int}/decision", summary="作出审查决定")
def decide_review(review_id: ReviewId, body: DecisionBody, user: SignedIn, work: ServicesDep,
                  request: Request) -> dict:
    """镇街（本镇）或管理员确认或改变系统建议；改变时须写理由。已决定的再次决定返回 409。清单外决定后等待管理员审批。"""
    check_csrf(request, body.csrf_token)
    return work.reviews.decide(user, review_id, body.decision, body.reason, body.cited_item)


@router.post("/reviews/{review_id:int}/approval", summary="审批清单外事项")
def approve_review(review_id: ReviewId, body: ApprovalBody, user: SignedIn, work: ServicesDep,
                   request: Request) -> dict:
    """管理员对“清单外”决定写明理由后批准镇承接或不予承接。"""
    check_csrf(request, body.csrf_token)
    return work.reviews.approve(user, review_id, body.approved, body.reason)


@router.get("/reviews/{review_id:int}/opinion.docx", summary="下载审查意见（Word）", **downloads("docx"))
def review_opinion(review_id: ReviewId, user: SignedIn, work: ServicesDep) -> Response:
    """审查意见的 .docx 文件（A4，公文版式）：基本情况、任务、清单依据、镇配合职责或承接部门工作方式、审查结论。"""
    review = work.reviews.one(user, review_id)
    return _download(opinion_docx(review), "docx", f"准入审查意见-{review_id}.docx")


# -- monitor and audit -------------------------------------------------------------------------------

Month = Annotated[Optional[str], Query(pattern=r"^\d{4}-\d{2}$", description="月份，如 2026-11")]


@router.get("/monitor", summary="准入监测")
def monitor(user: SignedIn, work: ServicesDep, month: Month = None) -> dict:
    """按部门和月份统计提交、准入、配合准入、退回、不再开展、清单外；列出退回的任务，标出同一部门再次推送已收回事项的情况。"""
    return work.reviews.monitor(user, month)


@router.get("/monitor.xlsx", summary="下载准入监测（Excel）", **downloads("xlsx"))
def monitor_xlsx(user: SignedIn, work: ServicesDep, month: Month = None) -> Response:
    """同 /monitor，两张工作表：统计、退回的任务。"""
    data = work.reviews.monitor(user, month)
    return _download(table_bytes(monitor_table(data), "xlsx"), "xlsx", f"准入监测-{month or '全部'}.xlsx")


@router.get("/audit", summary="审计日志")
def audit_log(user: SignedIn, work: ServicesDep,
                    action: Annotated[Optional[str], Query(max_length=32)] = None,
                    object_type: Annotated[Optional[str], Query(max_length=32)] = None,
                    object_id: Annotated[Optional[str], Query(max_length=64)] = None,
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                    per_page: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """只读、只增的审计日志（管理员）：谁、何时、做了什么、之前和之后、依据的清单版本。新的在前。"""
    return work.audit.page(user, per_page, page, action, object_type, object_id)


@router.get("/audit/verify", summary="校验审计日志哈希链")
def audit_verify(user: SignedIn, work: ServicesDep) -> dict:
    """重算每条记录的哈希（管理员）：ok、条数 count、最后一条的哈希 head、第一条不符的记录 broken_id 及原因。"""
    return work.audit.verify(user)


@router.get("/audit.{fmt}", summary="导出审计日志", **downloads("csv", "xlsx"))
def audit_export(fmt: Literal["csv", "xlsx"], user: SignedIn, work: ServicesDep) -> Response:
    """全部审计日志，CSV（UTF-8 带 BOM）或 xlsx（管理员）；以 = + - @ 开头的单元格不会成为公式。
    CSV 边读边发送，xlsx 逐行写入临时文件后发送：日志再长也不占满内存，也不妨碍其他请求。"""
    return table_download(audit_table(work.audit.everything(user)), fmt, f"审计日志.{fmt}")


# -- accounts ----------------------------------------------------------------------------------------

@router.get("/users", summary="账号列表")
def list_users(user: SignedIn, work: ServicesDep) -> dict:
    """全部账号（管理员）。"""
    return {"users": work.accounts.users(user)}


@router.post("/users", summary="新增账号", status_code=201)
def add_user(body: NewUser, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """新增账号（管理员）。镇街工作人员须绑定镇街，部门工作人员须绑定部门。"""
    accounts.require_admin(user)
    check_csrf(request, body.csrf_token)
    return work.accounts.add(user, body.username, body.password, body.role, body.town, body.department,
                             body.display_name)


@router.post("/users/{username}/role", summary="修改角色")
def change_role(username: Username, body: RoleChange, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """修改账号的角色和绑定（管理员）；该账号须重新登录。"""
    accounts.require_admin(user)
    check_csrf(request, body.csrf_token)
    return work.accounts.set_role(user, username, body.role, body.town, body.department)


@router.post("/users/{username}/active", summary="停用或启用账号")
def change_active(username: Username, body: ActiveChange, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """停用（active=false）或重新启用账号（管理员）；停用即退出其全部登录。"""
    accounts.require_admin(user)
    check_csrf(request, body.csrf_token)
    return work.accounts.set_active(user, username, body.active)


@router.post("/users/{username}/tokens", summary="发放 API 令牌", status_code=201)
def add_token(username: Username, body: TokenRequest, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """为账号发放一个 API 令牌（管理员）；令牌只在此时显示一次，调用时放在请求头 Authorization: Bearer 令牌。"""
    accounts.require_admin(user)
    check_csrf(request, body.csrf_token)
    token = work.accounts.issue_token(user, username, body.name, body.days)
    return {"username": username, "name": body.name, "token": token}


@router.get("/tokens", summary="API 令牌列表")
def list_tokens(user: SignedIn, work: ServicesDep,
                username: Annotated[Optional[str], Query(max_length=64)] = None) -> dict:
    """全部（或某账号的）API 令牌（管理员）：编号、用途、发放、最后使用、到期、吊销时间和状态；令牌本身不再显示。"""
    return {"tokens": work.accounts.tokens(user, username)}


@router.post("/tokens/{token_id:int}/revoke", summary="吊销 API 令牌")
def revoke_token(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], user: SignedIn, work: ServicesDep,
                 request: Request, body: Optional[CsrfOnly] = None) -> dict:
    """吊销一个 API 令牌（管理员）；已吊销的再吊销返回 409。"""
    accounts.require_admin(user)
    check_csrf(request, body.csrf_token if body else None)
    return work.accounts.revoke_token(user, token_id)


@router.get("/decisions", summary="决定类别")
def decision_kinds() -> dict:
    """准入审查决定的取值及中文名称。"""
    return {"decisions": DECISIONS}
