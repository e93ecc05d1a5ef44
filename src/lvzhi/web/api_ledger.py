"""/api/v1 for the town's organisation, its ledger, assessment schemes and statistics (以单明责、依单考核)."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import Field

from ..errors import InvalidInput
from ..work.organisation import NOBODY, may_keep
from .api import CatalogDep, ItemCode, ServicesDep
from .api_reviews import _download
from .auth import SignedIn, Viewer, check_csrf
from .openapi import IsoDate, JsonBool, StrictBody, downloads

router = APIRouter(prefix="/api/v1", tags=["机构分工、履职台账与考核核查"])
Town = Annotated[str, Path(max_length=64)]
SchemeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Month = Annotated[Optional[str], Query(pattern=r"^\d{4}-\d{2}$")]
MAX_UPLOAD = 2 * 1024 * 1024


class NewOffice(StrictBody):
    name: str = Field(..., min_length=1, max_length=64)


class NewStaff(StrictBody):
    office: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=64)
    post: str = Field("", max_length=64)


class OfficeChange(StrictBody):
    name: str = Field(..., min_length=1, max_length=64, description="新名称")


class StaffChange(StrictBody):
    name: Optional[str] = Field(None, min_length=1, max_length=64, description="新姓名")
    office: Optional[str] = Field(None, min_length=1, max_length=64, description="调到的科室")
    post: Optional[str] = Field(None, max_length=64, description="职务")


class NewAssignment(StrictBody):
    code: str = Field(..., min_length=2, max_length=8)
    lead: str = Field(..., min_length=1, max_length=64)
    co: list[str] = Field(default_factory=list, max_length=20)
    person: Optional[str] = Field(None, max_length=64)


class CategoryAssignment(StrictBody):
    kind: Literal["basic", "cooperative", "reclaimed"] = Field(..., description="清单：basic、cooperative、reclaimed")
    category: str = Field(..., min_length=1, max_length=64)
    lead: str = Field(..., min_length=1, max_length=64)
    co: list[str] = Field(default_factory=list, max_length=20)
    only_unassigned: JsonBool = True


class NewEntry(StrictBody):
    code: str = Field(..., min_length=2, max_length=8)
    received_on: IsoDate
    work: str = Field(..., min_length=1, max_length=2000)
    result: str = Field("", max_length=2000)
    done_on: Optional[IsoDate] = None
    due_on: Optional[IsoDate] = None
    attachments: list[str] = Field(default_factory=list, max_length=20)


class Finish(StrictBody):
    done_on: IsoDate = Field(..., description="完成日期（不晚于今天、不早于收到日期）")
    result: str = Field(..., min_length=1, max_length=2000, description="办理结果")
    attachments: list[str] = Field(default_factory=list, max_length=20, description="附件名称，追加到已有附件")


class Confirmation(StrictBody):
    code: Optional[str] = Field(None, max_length=8, description="缺省为确认系统建议；填事项编码改为该事项；填“清单外”表示不对应任何事项")


def read_upload(upload: UploadFile, suffixes: tuple[str, ...] = (".xlsx",)) -> tuple[bytes, str]:
    name = upload.filename or "上传文件.xlsx"
    if not name.lower().endswith(suffixes):
        allowed = " 和 ".join(suffixes)
        raise InvalidInput(f"文件“{name}”：只支持 {allowed} 文件（请用 Excel 或 WPS 另存为 .xlsx）")
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"文件“{name}”超过 2 MB")
    return data, name


# -- organisation ------------------------------------------------------------------------------------

@router.get("/towns/{town}/organisation", summary="镇街的科室、人员与事项分工")
def organisation(town: Town, user: SignedIn, work: ServicesDep) -> dict:
    """现行清单每个事项的牵头科室、配合科室和责任人（未分工的为 null），以及科室和人员。"""
    return {**work.organisation.board(user, town), "offices": work.organisation.offices(user, town)}


@router.post("/towns/{town}/offices", status_code=201, summary="新增科室")
def add_office(town: Town, body: NewOffice, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.add_office(user, town, body.name)


@router.post("/towns/{town}/staff", status_code=201, summary="新增人员")
def add_staff(town: Town, body: NewStaff, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.add_staff(user, town, body.office, body.name, body.post)


@router.patch("/towns/{town}/offices/{office_id:int}", summary="科室改名")
def rename_office(town: Town, office_id: RowId, body: OfficeChange, user: SignedIn, work: ServicesDep,
                  request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.rename_office(user, town, office_id, body.name)


@router.delete("/towns/{town}/offices/{office_id:int}", summary="撤销科室")
def remove_office(town: Town, office_id: RowId, user: SignedIn, work: ServicesDep, request: Request,
                  move_to: Annotated[Optional[str], Query(max_length=64, description="接手其事项、人员和未办结台账的科室")] = None) -> dict:
    """仍牵头或配合现行清单事项、或仍有人员的科室，不给 `move_to` 时不予撤销（409，`error.message` 列出事项和人员）。
    历史版本分工或台账中用过的科室停用并保留名称（`outcome`: deactivated），否则删除（deleted）。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.remove_office(user, town, office_id, move_to)


@router.patch("/towns/{town}/staff/{staff_id:int}", summary="修改人员：姓名、科室、职务")
def edit_staff(town: Town, staff_id: RowId, body: StaffChange, user: SignedIn, work: ServicesDep,
               request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.edit_staff(user, town, staff_id, body.name, body.office, body.post)


@router.delete("/towns/{town}/staff/{staff_id:int}", summary="移除人员")
def remove_staff(town: Town, staff_id: RowId, user: SignedIn, work: ServicesDep, request: Request,
                 replace_with: Annotated[Optional[str], Query(max_length=64, description=f"接替其责任事项的人员；“{NOBODY}”表示这些事项不再设责任人")] = None) -> dict:
    """是现行清单事项责任人的人员，不给 `replace_with` 时不予移除（409，列出事项）。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.remove_staff(user, town, staff_id, replace_with)


@router.get("/towns/{town}/items/{code}/assignment", summary="一个事项的镇内分工")
def item_assignment(town: Town, code: ItemCode, lists: CatalogDep, work: ServicesDep,
                    user: Viewer) -> dict:
    """现行清单中该事项的牵头科室和配合科室（公开）；责任人姓名和台账统计只给本镇账号和管理员。
    未分工时 `assignment` 为 null。"""
    version = lists.version(town)
    item = lists.item(town, code, version.id)
    name = lists.town(town).name
    keeper = user is not None and may_keep(user, name)
    return {"town": name, "code": item.code, "title": item.title, "version": version.label,
            "assignment": work.organisation.of_item(user, name, item.code, version.id),
            "ledger": work.ledger.of_item(user, name, item.code) if keeper else None}


@router.post("/towns/{town}/assignments", summary="为一个事项分工")
def assign(town: Town, body: NewAssignment, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.assign(user, town, body.code, body.lead, body.co, body.person)


@router.post("/towns/{town}/assignments/category", summary="按类别批量分工")
def assign_category(town: Town, body: CategoryAssignment, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.assign_category(user, town, body.kind, body.category, body.lead, body.co,
                                             body.only_unassigned)


@router.get("/towns/{town}/assignments.xlsx", summary="下载分工模板（含已有分工）", **downloads("xlsx"))
def assignment_template(town: Town, user: SignedIn, work: ServicesDep) -> Response:
    return _download(work.organisation.template(user, town), "xlsx", f"{town}事项分工.xlsx")


@router.post("/towns/{town}/assignments/import", summary="导入填好的分工表")
def import_assignments(town: Town, user: SignedIn, work: ServicesDep, request: Request,
                       file: Annotated[UploadFile, File(description="分工模板 .xlsx")]) -> dict:
    """有任何一行有误（事项编码、科室或人员不存在）时一行也不导入，`error.message` 逐行说明。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    data, name = read_upload(file)
    return work.organisation.import_sheet(user, town, data, name)


@router.post("/towns/{town}/assignments/carry", summary="新版本承接上一版本的分工")
def carry(town: Town, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.organisation.carry_over(user, town)


# -- ledger --------------------------------------------------------------------------------------------

@router.get("/towns/{town}/ledger", summary="履职台账")
def ledger(town: Town, user: SignedIn, work: ServicesDep, month: Month = None,
           code: Annotated[Optional[str], Query(max_length=8)] = None,
           office: Annotated[Optional[str], Query(max_length=64)] = None,
           state: Annotated[Optional[Literal["open", "overdue", "done", "late"]],
                            Query(description="open 办理中、overdue 逾期未完成、done 已完成、late 逾期完成")] = None) -> dict:
    """台账记录（准入审查准入的任务、派给镇的工单、手工登记）和按科室、月份的统计。"""
    return {"entries": work.ledger.entries(user, town, code, month, office, state),
            "summary": work.ledger.summary(user, town, month)}


@router.post("/towns/{town}/ledger", status_code=201, summary="手工登记一条台账")
def add_entry(town: Town, body: NewEntry, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.ledger.add(user, town, body.code, body.received_on, body.work, body.result, body.done_on,
                           body.due_on, body.attachments)


@router.post("/towns/{town}/ledger/{entry_id:int}/finish", summary="台账办结：完成日期和办理结果")
def finish_entry(town: Town, entry_id: RowId, body: Finish, user: SignedIn, work: ServicesDep,
                 request: Request) -> dict:
    """准入审查、工单转来的或手工登记的未完成记录办结；已完成的记录不能再次办结（409）。
    完成日期晚于期限的为“逾期完成”（`late`: true）。"""
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.ledger.finish(user, town, entry_id, body.done_on, body.result, body.attachments)


@router.get("/towns/{town}/ledger.xlsx", summary="下载履职台账（Excel）", **downloads("xlsx"))
def ledger_xlsx(town: Town, user: SignedIn, work: ServicesDep, month: Month = None) -> Response:
    return _download(work.ledger.workbook(user, town, month), "xlsx", f"{town}履职台账-{month or '全部'}.xlsx")


# -- assessment schemes ----------------------------------------------------------------------------------

@router.get("/schemes", summary="考核方案列表")
def schemes(user: SignedIn, work: ServicesDep) -> list[dict]:
    return work.indicators.schemes(user)


@router.post("/schemes", status_code=201, summary="导入区县考核方案（管理员）")
def import_scheme(user: SignedIn, work: ServicesDep, request: Request, file: Annotated[UploadFile, File(description="考核方案 .xlsx")],
                  town: Annotated[str, Form(max_length=64)], year: Annotated[int, Form(ge=2000, le=2100)],
                  name: Annotated[str, Form(max_length=200)] = "") -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    data, filename = read_upload(file)
    return work.indicators.import_scheme(user, town, year, data, filename, name)


@router.get("/schemes/{scheme_id:int}", summary="考核指标核查结果")
def scheme_report(scheme_id: SchemeId, user: SignedIn, work: ServicesDep,
                  department: Annotated[Optional[str], Query(max_length=128)] = None,
                  flag: Annotated[Optional[str], Query(max_length=16)] = None) -> dict:
    return work.indicators.report(user, scheme_id, department, flag)


@router.get("/schemes/{scheme_id:int}/report.xlsx", summary="下载考核指标核查结果（Excel）", **downloads("xlsx"))
def scheme_xlsx(scheme_id: SchemeId, user: SignedIn, work: ServicesDep) -> Response:
    return _download(work.indicators.workbook(user, scheme_id), "xlsx", f"考核指标核查-{scheme_id}.xlsx")


@router.get("/schemes/{scheme_id:int}/opinion.docx", summary="下载考核指标核查意见（Word，公文版式）",
            **downloads("docx"))
def scheme_opinion_docx(scheme_id: SchemeId, user: SignedIn, work: ServicesDep,
                        department: Annotated[Optional[str], Query(max_length=128, description="只看一个考核部门设置的指标")] = None) -> Response:
    """A4 公文版式（方正小标宋标题、仿宋三号正文、落款和日期），与准入审查意见同一排版；内容与 `/indicators/{scheme_id}/opinion` 页面相同。"""
    opinion = work.indicators.opinion(user, scheme_id, department)
    suffix = f"-{department}" if department else ""
    return _download(opinion.docx(), "docx", f"考核指标核查意见-{scheme_id}{suffix}.docx")


@router.post("/indicators/{indicator_id:int}/confirm", summary="确认或改变考核指标对应的事项")
def confirm(indicator_id: SchemeId, body: Confirmation, user: SignedIn, work: ServicesDep, request: Request) -> dict:
    check_csrf(request, request.headers.get("x-csrf-token"))
    return work.indicators.confirm(user, indicator_id, body.code)


# -- statistics ----------------------------------------------------------------------------------------

@router.get("/statistics", summary="统计：清单、台账、工单与审查、考核指标")
def statistics(user: SignedIn, work: ServicesDep, town: Annotated[Optional[str], Query(max_length=64)] = None,
               district: Annotated[Optional[str], Query(max_length=64)] = None) -> dict:
    return work.statistics.town(user, town, district)
