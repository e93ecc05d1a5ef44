"""The directory of bodies (单位名录) in the portal: everyone reads it at /directory; the admin keeps it at
/admin/directory — list, edit one body's contact, import a sheet, download it."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import InvalidInput
from ..work.accounts import require_admin
from ..work.directory import KINDS
from .api_ledger import read_upload
from .auth import SignedIn, check_csrf
from .render import query_url, render

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
DistrictQuery = Annotated[Optional[str], Query(max_length=64)]
Text = Annotated[str, Form(max_length=1000)]


def _desk(request: Request):
    return request.app.state.services.directory


@router.get("/directory", response_class=HTMLResponse)
def public_directory(request: Request, district: DistrictQuery = None):
    listing = _desk(request).listing(None, district)
    return render(request, "directory.html", title=f"单位名录 · {listing['district']}", listing=listing,
                  admin=False, error=None, done=None)


@router.get("/admin/directory", response_class=HTMLResponse)
def admin_directory(request: Request, user: SignedIn, district: DistrictQuery = None,
                    done: Annotated[Optional[str], Query(max_length=200)] = None):
    require_admin(user, "维护单位名录")
    listing = _desk(request).listing(user, district)
    return render(request, "directory.html", title="单位名录", listing=listing, admin=True, error=None, done=done)


@router.get("/admin/directory/edit", response_class=HTMLResponse)
def edit_page(request: Request, user: SignedIn, name: Annotated[str, Query(max_length=128)] = "",
              district: DistrictQuery = None):
    require_admin(user, "维护单位名录")
    desk = _desk(request)
    entry = desk.entry(user, district, name) if name else None
    return render(request, "directory_edit.html", title=f"单位联系方式 · {name or '新增单位'}", entry=entry,
                  district=desk.district_of(district), kinds=KINDS, error=None)


@router.post("/admin/directory/edit", response_class=HTMLResponse)
def save(request: Request, user: SignedIn, csrf_token: Csrf = "", district: Annotated[str, Form(max_length=64)] = "",
         name: Annotated[str, Form(max_length=128)] = "", kind: Annotated[str, Form(max_length=16)] = "",
         phone: Annotated[str, Form(max_length=64)] = "", address: Annotated[str, Form(max_length=255)] = "",
         hours: Annotated[str, Form(max_length=255)] = "", website: Annotated[str, Form(max_length=255)] = "",
         note: Text = ""):
    require_admin(user, "维护单位名录")
    check_csrf(request, csrf_token)
    desk = _desk(request)
    contact = {"phone": phone, "address": address, "hours": hours, "website": website, "note": note}
    try:
        saved = desk.set(user, district or None, name, contact, kind or None)
    except InvalidInput as exc:
        entry = {"name": name, "kind": kind, **contact}
        return render(request, "directory_edit.html", status_code=422, title=f"单位联系方式 · {name}", entry=entry,
                      district=desk.district_of(district or None), kinds=KINDS, error=str(exc))
    done = f"已保存{saved['name']}的联系方式" if saved["listed"] else f"已清除{saved['name']}的联系方式"
    return RedirectResponse(query_url("/admin/directory", {}, district=district or None, done=done), status_code=303)


@router.post("/admin/directory/import", response_class=HTMLResponse)
def import_sheet(request: Request, user: SignedIn, csrf_token: Csrf = "",
                 district: Annotated[str, Form(max_length=64)] = "",
                 file: Annotated[Optional[UploadFile], File()] = None):
    require_admin(user, "维护单位名录")
    check_csrf(request, csrf_token)
    desk = _desk(request)
    try:
        if file is None or not file.filename:
            raise InvalidInput("请选择要导入的单位名录文件（.xlsx 或 .csv）")
        data, source = read_upload(file, (".xlsx", ".csv"))
        result = desk.import_file(user, district or None, data, source)
    except InvalidInput as exc:
        rows = getattr(exc, "rows", None)
        listing = desk.listing(user, district or None)
        return render(request, "directory.html", status_code=422, title="单位名录", listing=listing, admin=True,
                      error=str(exc) if not rows else str(exc).split("。")[0] + "。",
                      error_rows=rows or [], done=None)
    done = f"已导入 {result['rows']} 行：{len(result['changed'])} 个单位有变化，{result['unchanged']} 个不变"
    return RedirectResponse(query_url("/admin/directory", {}, district=district or None, done=done), status_code=303)

