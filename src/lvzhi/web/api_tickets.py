"""The REST API for 诉求派单: tickets, suggestions, dispatch, work, disputes and statistics (/api/v1),
plus an Open311 GeoReport v2–style API (/open311/v2) for hotline platforms."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

import tempfile
from pathlib import Path, PurePath

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from pydantic import Field

from ..formats.tickets import TicketFileError, read_tickets
from ..model import LIST_TITLES
from ..work import tickets
from .api import CatalogDep, ServicesDep
from .auth import SignedIn, check_csrf
from .limits import charge
from .openapi import IsoDate, IsoDateTime, JsonBool, QueryBool, StrictBody, limited

router = APIRouter(prefix="/api/v1", tags=["诉求派单"])
open311 = APIRouter(prefix="/open311/v2", tags=["Open311"])
TicketId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="工单编号")]
Channel = Literal["12345", "民呼我为", "窗口", "其他"]
Urgency = Literal["紧急", "加急", "一般"]
MAX_SUGGEST = 5_000


class NewTicketBody(StrictBody):
    text: str = Field(..., min_length=1, max_length=tickets.MAX_TEXT_CHARS, description="诉求内容")
    town: Optional[str] = Field(None, max_length=64, description="镇街；缺省为默认镇街")
    channel: Channel = "12345"
    received_at: Optional[IsoDateTime] = Field(None, description="受理时间，如 2026-11-29T09:30:00（不带时区的按北京时间）")
    urgency: Optional[Urgency] = Field(None, description="紧急程度：紧急（2 小时）、加急（24 小时）、一般（5 个工作日）；缺省为一般")
    external_id: Optional[str] = Field(None, max_length=64, description="热线平台的工单编号")
    location: str = Field("", max_length=255)
    contact_name: str = Field("", max_length=64)
    contact_phone: str = Field("", max_length=32)


class SuggestBody(StrictBody):
    texts: list[str] = Field(..., min_length=1, max_length=MAX_SUGGEST, description=f"诉求内容（最多 {MAX_SUGGEST} 条）")
    town: Optional[str] = Field(None, max_length=64)


class DispatchBody(StrictBody):
    assignee: Optional[str] = Field(None, max_length=128, description="承办单位；缺省为系统建议")
    note: str = Field("", max_length=tickets.MAX_NOTE_CHARS, description="与建议不同时必填")
    csrf_token: Optional[str] = Field(None, max_length=128)


class NoteBody(StrictBody):
    note: str = Field("", max_length=tickets.MAX_NOTE_CHARS)
    csrf_token: Optional[str] = Field(None, max_length=128)


class RequiredNote(StrictBody):
    note: str = Field(..., min_length=1, max_length=tickets.MAX_NOTE_CHARS, pattern=r"\S",
                      description="办结说明或关闭理由（必填，不能只有空白）")
    csrf_token: Optional[str] = Field(None, max_length=128)


class DisputeBody(StrictBody):
    reason: str = Field(..., min_length=1, max_length=tickets.MAX_NOTE_CHARS)
    cited_item: Optional[str] = Field(None, max_length=8, description="引用的事项编码，如 R163")
    proposed_assignee: Optional[str] = Field(None, max_length=128)
    csrf_token: Optional[str] = Field(None, max_length=128)


class DisputeDecisionBody(StrictBody):
    accepted: JsonBool = Field(..., description="true 同意并改派，false 驳回")
    reason: str = Field(..., min_length=1, max_length=tickets.MAX_NOTE_CHARS)
    new_assignee: Optional[str] = Field(None, max_length=128)
    csrf_token: Optional[str] = Field(None, max_length=128)


# -- shared by the API and the pages -----------------------------------------------------------------

def read_upload(upload: UploadFile):
    """A hotline export uploaded through the web, read as `lvzhi tickets import` reads a file."""
    suffix = PurePath(upload.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise tickets.InvalidInput(f"文件“{upload.filename}”：只支持 .csv 和 .xlsx 文件")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.file.read())
        try:
            return read_tickets(path)
        except TicketFileError as exc:
            raise tickets.InvalidInput(str(exc).replace(path.name, upload.filename or path.name)) from None


def import_upload(desk: tickets.TicketDesk, user, upload: UploadFile, channel: str = "12345") -> dict:
    if user.role not in tickets.DISPATCHERS:  # before reading a byte of the upload
        raise tickets.Forbidden(f"{user.role_name}无权导入工单")
    report = desk.import_file(user, read_upload(upload), channel)
    return {"created": report.created, "already_imported": report.already, "problems": report.problems,
            "repeated": report.repeated,
            "skipped_empty": report.skipped_empty}


# -- /api/v1 -----------------------------------------------------------------------------------------

@router.post("/dispatch/suggest", summary="派单建议（不登记）", **limited())
def suggest_many(body: SuggestBody, work: ServicesDep, request: Request) -> dict:
    """按清单给出每条诉求的承办单位建议：基本、配合事项给镇街（配合事项注明牵头部门），收回事项给承接部门，清单外留空。无需登录。
    未登录时一批条数更少（默认 50 条，登录或使用 API 令牌 1000 条）；按客户端限制每分钟的请求数和文字量（见 docs/api.md）。"""
    charge(request, *body.texts, batch=len(body.texts))
    return work.tickets.suggest(body.town, body.texts)


@router.post("/tickets", summary="登记诉求工单", status_code=201)
def add_ticket(body: NewTicketBody, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """派单员或管理员（或热线平台的令牌）登记一条工单；系统按清单给出派单建议，工单进入待分派。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.tickets.create(user, tickets.NewTicket(body.text, body.town or "", body.channel, body.received_at,
                                                        body.external_id, body.location, body.contact_name,
                                                        body.contact_phone, body.urgency or ""))


@router.post("/tickets/import", summary="导入工单文件", status_code=201)
def import_file(user: SignedIn, work: ServicesDep, request: Request,
                      file: Annotated[UploadFile, File(description="热线平台导出的 .csv 或 .xlsx（列名对照见 columns.yaml）")],
                      channel: Annotated[Channel, Form()] = "12345") -> dict:
    """派单员上传一天的工单：好的行一次写入待分派队列（附建议），坏的行逐行说明，已导入过的编号跳过。上传最大 20 MB。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return import_upload(work.tickets, user, file, channel)


@router.get("/tickets", summary="工单列表")
def list_tickets(user: SignedIn, work: ServicesDep,
                       state: Annotated[Optional[Literal["pending", "assigned", "in_progress", "disputed", "resolved",
                                                         "closed"]], Query()] = None,
                       page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                       per_page: Annotated[int, Query(ge=1, le=200)] = 50,
                       q: Annotated[str, Query(max_length=100, description="检索：内容、工单编号、承办单位、事项编码")] = "",
                       overdue: Annotated[QueryBool, Query(description="只看超时未办结的")] = False,
                       since: Annotated[Optional[IsoDate], Query(description="受理日期起（北京时间）")] = None,
                       until: Annotated[Optional[IsoDate], Query(description="受理日期止（北京时间）")] = None,
                       sort: Annotated[Literal["newest", "oldest", "due"], Query(description="newest、oldest 或 due（最先到期在前）")] = "newest") -> dict:
    """派单员和管理员看全部，镇街和部门只看派给自己的；可检索、筛选、排序、分页。联系人信息只给需要的角色。
    每条工单带 urgency（紧急程度）、due_at（办理时限，UTC）、overdue、minutes_left、time_left。"""
    return work.tickets.listing(user, state, page, per_page, tickets.TicketFilter(q, overdue, since, until, sort))


@router.get("/tickets/{ticket_id:int}", summary="一条工单")
def get_ticket(ticket_id: TicketId, user: SignedIn, work: ServicesDep) -> dict:
    """工单、派单建议、承办单位、状态、退单申请及其预审和处理。"""
    return work.tickets.one(user, ticket_id)


@router.post("/tickets/{ticket_id:int}/dispatch", summary="派单")
def dispatch_ticket(ticket_id: TicketId, body: DispatchBody, user: SignedIn, work: ServicesDep,
                    request: Request) -> dict:
    """把待分派工单派给承办单位（缺省为系统建议）；与建议不同时须写明理由。"""
    check_csrf(request, body.csrf_token)
    return work.tickets.dispatch(user, ticket_id, body.assignee, body.note)


@router.post("/tickets/{ticket_id:int}/accept", summary="签收")
def accept_ticket(ticket_id: TicketId, body: NoteBody, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """承办单位签收，工单进入办理中。"""
    check_csrf(request, body.csrf_token)
    return work.tickets.accept(user, ticket_id)


@router.post("/tickets/{ticket_id:int}/resolve", summary="办结")
def resolve_ticket(ticket_id: TicketId, body: RequiredNote, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """承办单位办结，须写办结说明。"""
    check_csrf(request, body.csrf_token)
    return work.tickets.finish(user, ticket_id, body.note)


@router.post("/tickets/{ticket_id:int}/close", summary="关闭")
def close_ticket(ticket_id: TicketId, body: RequiredNote, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """派单员关闭工单（如重复、无效），须写理由。"""
    check_csrf(request, body.csrf_token)
    return work.tickets.close(user, ticket_id, body.note)


@router.post("/tickets/{ticket_id:int}/disputes", summary="申请退单")
def dispute(ticket_id: TicketId, body: DisputeBody, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    """承办单位申请退单，引用清单事项；系统预审引用的事项是否确实把诉求归给别的单位。"""
    check_csrf(request, body.csrf_token)
    return work.tickets.dispute(user, ticket_id, body.reason, body.cited_item, body.proposed_assignee)


@router.post("/tickets/{ticket_id:int}/disputes/decision", summary="处理退单申请")
def decide(ticket_id: TicketId, body: DisputeDecisionBody, user: SignedIn, work: ServicesDep,
           request: Request) -> dict:
    """派单员同意（改派给新的承办单位，缺省为申请或预审建议的单位）或驳回（退回原承办单位），须写理由。"""
    check_csrf(request, body.csrf_token)
    return work.tickets.decide_dispute(user, ticket_id, body.accepted, body.reason, body.new_assignee)


@router.get("/dispatch/stats", summary="派单统计")
def dispatch_stats(user: SignedIn, work: ServicesDep) -> dict:
    """按承办单位、建议判定、状态的工单数；退单申请的结果；派单用时（分钟）；按建议派单的比例。"""
    return work.tickets.stats(user)


# -- Open311 GeoReport v2 ----------------------------------------------------------------------------

def _service(item, town: str) -> dict:
    return {"service_code": item.code, "service_name": item.title, "description": f"{LIST_TITLES[item.list]} · "
            f"{item.category}", "metadata": False, "type": "realtime", "keywords": item.category,
            "group": LIST_TITLES[item.list], "jurisdiction_id": town}


@open311.get("/services.json", summary="Open311：服务（清单事项）列表")
def services(lists: CatalogDep,
                   jurisdiction_id: Annotated[Optional[str], Query(max_length=64, description="镇街")] = None) -> list:
    """GeoReport v2 的 services：一个镇街现行清单的每个事项是一项服务，service_code 为事项编码。"""
    town = jurisdiction_id or lists.default_town()
    return [_service(item, town) for item in lists.dataset(town).items]


@open311.get("/services/{service_code}.json", summary="Open311：服务定义")
def service_definition(service_code: Annotated[str, PathParam(max_length=16)], lists: CatalogDep,
                             jurisdiction_id: Annotated[Optional[str], Query(max_length=64)] = None) -> dict:
    """服务定义（无附加属性）。"""
    town = jurisdiction_id or lists.default_town()
    item = lists.item(town, service_code)
    return {"service_code": item.code, "attributes": []}


def _open311_request(ticket: dict) -> dict:
    suggestion = ticket["suggestion"]
    return {"service_request_id": str(ticket["id"]), "status": "closed" if ticket["state"] in ("resolved", "closed")
            else "open", "status_notes": ticket["state_name"], "service_code": ticket["item"] or suggestion.get("item"),
            "service_name": None, "description": ticket["text"], "agency_responsible": ticket["assignee"],
            "service_notice": _notice(suggestion), "requested_datetime": ticket["received_at"],
            "updated_datetime": ticket["dispatched_at"] or ticket["created_at"], "address": ticket["location"],
            "jurisdiction_id": ticket["town"]}


def _notice(suggestion: dict) -> str:
    if suggestion.get("assignee"):
        return f"建议派给{suggestion['assignee']}（{suggestion.get('item')}）"
    return "清单外事项，由派单员确定承办单位"


@open311.post("/requests.json", summary="Open311：提交诉求", status_code=201, **limited())
def post_request(user: SignedIn, work: ServicesDep, request: Request,
                       description: Annotated[str, Form(min_length=1, max_length=tickets.MAX_TEXT_CHARS)],
                       jurisdiction_id: Annotated[Optional[str], Form(max_length=64)] = None,
                       service_code: Annotated[Optional[str], Form(max_length=16)] = None,
                       address_string: Annotated[str, Form(max_length=255)] = "",
                       first_name: Annotated[str, Form(max_length=32)] = "",
                       last_name: Annotated[str, Form(max_length=32)] = "",
                       phone: Annotated[str, Form(max_length=32)] = "",
                       channel: Annotated[Channel, Form()] = "12345",
                       external_id: Annotated[Optional[str], Form(max_length=64)] = None) -> list:
    """GeoReport v2 的 POST requests（表单编码；身份用 Authorization: Bearer 令牌）。service_code 可不填：lvzhi 按清单建议。"""
    check_csrf(request, None)
    charge(request, description)
    ticket = work.tickets.create(user, tickets.NewTicket(description, jurisdiction_id or "", channel, None,
                                                          external_id, address_string,
                                                          f"{last_name}{first_name}".strip(), phone))
    return [{"service_request_id": str(ticket["id"]), "service_notice": _notice(ticket["suggestion"]),
             "account_id": None}]


OPEN311_PAGE_SIZE = 100
OPEN311_MAX_PAGE_SIZE = 1000


@open311.get("/requests.json", summary="Open311：诉求列表")
def get_requests(user: SignedIn, work: ServicesDep,
                       service_request_id: Annotated[Optional[str], Query(max_length=1000)] = None,
                       status: Annotated[Optional[Literal["open", "closed"]], Query()] = None,
                       page: Annotated[int, Query(ge=1, le=100_000, description="第几页，从 1 起")] = 1,
                       page_size: Annotated[int, Query(ge=1, le=OPEN311_MAX_PAGE_SIZE,
                                                       description=f"每页条数，缺省 {OPEN311_PAGE_SIZE}，最多 {OPEN311_MAX_PAGE_SIZE}")]
                       = OPEN311_PAGE_SIZE) -> list:
    """GeoReport v2 的 GET requests：本人可见的工单（不含联系人），新的在前，分页（page、page_size；返回不足 page_size 条
    即为最后一页）；service_request_id 可为逗号分隔的多个编号。"""
    wanted = [s.strip() for s in (service_request_id or "").split(",") if s.strip()]
    ids = [int(s) for s in wanted if s.isdigit() and int(s) <= 2**31 - 1] if wanted else None
    found = work.tickets.requests_page(user, ids, None if status is None else status == "closed", page, page_size)
    return [_open311_request(t) for t in found]


@open311.get("/requests/{request_id:int}.json", summary="Open311：一条诉求")
def get_request(request_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], user: SignedIn, work: ServicesDep) -> list:
    """GeoReport v2 的 GET request：状态、承办单位（agency_responsible）、说明。"""
    ticket = work.tickets.one(user, request_id)
    ticket.pop("contact_name", None), ticket.pop("contact_phone", None)
    return [_open311_request(ticket)]


@open311.get("/discovery.json", summary="Open311：发现")
def discovery() -> dict:
    """GeoReport v2 的 discovery：本接口的地址与格式。"""
    return {"changeset": "2026-11-29", "contact": "lvzhi", "endpoints": [
        {"specification": "http://wiki.open311.org/GeoReport_v2", "url": "/open311/v2", "changeset": "2026-11-29",
         "type": "production", "formats": ["application/json"]}]}
