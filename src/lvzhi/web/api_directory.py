"""/api/v1/directory: the directory of bodies per district (单位名录). Everyone reads what residents see; only the
admin enters, changes, clears and imports contacts."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import Field

from .api import ServicesDep
from .api_ledger import read_upload
from .api_reviews import _download
from .auth import SignedIn, Viewer, check_csrf
from .openapi import StrictBody, downloads

router = APIRouter(prefix="/api/v1", tags=["单位名录"])
District = Annotated[Optional[str], Query(max_length=64, description="区县；缺省为默认镇街所在的区县")]
Name = Annotated[str, Path(max_length=128, description="单位名称（清单所印名称、全称或别称均可）")]


class Contact(StrictBody):
    kind: Optional[str] = Field(None, max_length=16, description="类别：区级部门、镇街、企业、平台、热线、其他单位；缺省按清单判断")
    phone: str = Field("", max_length=64, description="对外公开的电话，多个用、分隔")
    address: str = Field("", max_length=255, description="办事大厅或办公地址")
    hours: str = Field("", max_length=255, description="办公（开放）时间")
    website: str = Field("", max_length=255, description="网站，http:// 或 https:// 开头")
    note: str = Field("", max_length=1000, description="备注（如窗口名称、预约方式）")


@router.get("/directory", summary="单位名录（公开）")
def directory(work: ServicesDep, user: Viewer, district: District = None) -> dict:
    """区县内清单所涉的每个单位（镇街、区级部门、企业和平台、12345 热线）及其对外联系方式；尚未登记的字段为空。
    管理员另见登记人和时间。"""
    return work.directory.listing(user, district)


@router.get("/directory/export", summary="下载单位名录（xlsx 或 csv）", **downloads("xlsx", "csv"))
def export(work: ServicesDep, user: Viewer, district: District = None,
           format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx") -> Response:
    listing = work.directory.listing(user, district)
    return _download(work.directory.export(user, listing["district"], format), format,
                     f"{listing['district']}单位名录.{format}")


@router.get("/directory/{name}", summary="一个单位的联系方式（公开）")
def entry(name: Name, work: ServicesDep, user: Viewer, district: District = None) -> dict:
    return work.directory.entry(user, district, name)


@router.put("/directory/{name}", summary="登记或修改一个单位的联系方式（管理员）")
def put_entry(request: Request, name: Name, body: Contact, user: SignedIn, work: ServicesDep,
              district: District = None) -> dict:
    """整条替换：未给出的字段清空。各字段都为空即清除该单位的联系方式。每次修改都记入审计日志。"""
    check_csrf(request, None)
    return work.directory.set(user, district, name, body.model_dump(exclude={"kind"}), body.kind)


@router.delete("/directory/{name}", summary="清除一个单位的联系方式（管理员）")
def delete_entry(request: Request, name: Name, user: SignedIn, work: ServicesDep, district: District = None) -> dict:
    check_csrf(request, None)
    return work.directory.clear(user, district, name)


@router.post("/directory/import", summary="导入单位名录（管理员，xlsx 或 csv）")
def import_directory(request: Request, user: SignedIn, work: ServicesDep,
                     file: Annotated[UploadFile, File(description="单位名录 .xlsx 或 .csv（列：单位、电话、地址、办公时间、网站、备注）")],
                     district: Annotated[Optional[str], Form(max_length=64)] = None) -> dict:
    """有任何一行有误（不是具体单位、电话或网站不对、同一单位内容不同的重复行）时一行也不导入，
    `error.message` 逐行说明。表中空白的单元格清空该字段，没有的列不改动。"""
    check_csrf(request, None)
    data, name = read_upload(file, (".xlsx", ".csv"))
    return work.directory.import_file(user, district, data, name)

