"""Pages for the town's organisation (机构分工), its ledger (履职台账), assessment schemes checked against the lists
(考核核查) and the statistics with charts."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import Forbidden, InvalidInput
from ..model import LIST_KINDS, LIST_SHORT_NAMES
from ..review.indicators import FLAGS
from ..work.services import Services
from .api_ledger import read_upload
from .auth import SignedIn, check_csrf
from .charts import bars, columns
from .render import render

router = APIRouter(include_in_schema=False)
Town = Annotated[str, Path(max_length=64)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Csrf = Annotated[str, Form(max_length=128)]
Text = Annotated[str, Form(max_length=2000)]
Name = Annotated[str, Form(max_length=64)]
Month = Annotated[Optional[str], Query(pattern=r"^(\d{4}-\d{2})?$")]


def _work(request: Request) -> Services:
    return request.app.state.services


def _back(url: str, message: str = "") -> RedirectResponse:
    from urllib.parse import quote
    return RedirectResponse(url + (f"?done={quote(message)}" if message else ""), status_code=303)


# -- organisation ------------------------------------------------------------------------------------

def _organisation(request: Request, user, town: str, error: str | None = None, unassigned: bool = False,
                  status: int = 200, done: str | None = None):
    desk = _work(request).organisation
    board = desk.board(user, town)
    items = [i for i in board["items"] if not i["lead"]] if unassigned else board["items"]
    dataset = _work(request).lists.dataset(town)
    categories = {kind: [c for c, _ in dataset.categories(kind)] for kind in LIST_KINDS}
    return render(request, "organisation.html", status_code=status, title=f"{town}机构分工", town=town, board=board,
                  items=items, offices=desk.offices(user, town), unassigned=unassigned, error=error, done=done,
                  categories=categories, kinds=LIST_SHORT_NAMES)


@router.get("/org/{town}", response_class=HTMLResponse)
def organisation_page(request: Request, town: Town, user: SignedIn,
                      unassigned: Annotated[int, Query(ge=0, le=1)] = 0,
                      done: Annotated[Optional[str], Query(max_length=300)] = None):
    return _organisation(request, user, town, unassigned=bool(unassigned), done=done)


def _org_change(request: Request, user, town: str, csrf: str, change, message: str):
    check_csrf(request, csrf)
    try:
        result = change()
    except Forbidden:
        raise
    except InvalidInput as exc:
        return _organisation(request, user, town, error=str(exc), status=422)
    return _back(f"/org/{town}", message(result) if callable(message) else message)


@router.post("/org/{town}/offices", response_class=HTMLResponse)
def add_office(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "", name: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.add_office(user, town, name), f"已新增科室 {name}")


@router.post("/org/{town}/staff", response_class=HTMLResponse)
def add_staff(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "", office: Name = "",
              name: Name = "", post: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.add_staff(user, town, office, name, post),
                       f"已新增人员 {name}")


@router.post("/org/{town}/assign", response_class=HTMLResponse)
def assign(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "",
           code: Annotated[str, Form(max_length=8)] = "", lead: Name = "",
           co: Annotated[str, Form(max_length=300)] = "", person: Name = ""):
    others = [c for c in co.replace("，", "、").replace(",", "、").split("、") if c.strip()]
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.assign(user, town, code, lead, others, person or None),
                       f"{code.upper()} 已分给 {lead}")


@router.post("/org/{town}/bulk", response_class=HTMLResponse)
def assign_bulk(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "",
                kind: Annotated[str, Form(max_length=16)] = "", category: Name = "", lead: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.assign_category(user, town, kind, category, lead),
                       lambda r: f"{category}：{len(r['codes'])} 个事项已分给 {lead}（已分工的 {r['skipped']} 个未改）")


@router.post("/org/{town}/import", response_class=HTMLResponse)
def import_sheet(request: Request, town: Town, user: SignedIn, file: Annotated[UploadFile, File()],
                 csrf_token: Csrf = ""):
    def change():
        data, name = read_upload(file)
        return _work(request).organisation.import_sheet(user, town, data, name)
    return _org_change(request, user, town, csrf_token, change, lambda r: f"已导入 {r['assigned']} 个事项的分工")


@router.post("/org/{town}/carry", response_class=HTMLResponse)
def carry(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = ""):
    check_csrf(request, csrf_token)
    result = _work(request).organisation.carry_over(user, town)
    return render(request, "carried.html", title=f"{town}承接分工", town=town, result=result)


# -- ledger --------------------------------------------------------------------------------------------

def _ledger(request: Request, user, town: str, month: str | None, code: str | None, error: str | None = None,
            status: int = 200, form: dict | None = None, template: str = "ledger.html"):
    desk = _work(request).ledger
    return render(request, template, status_code=status, title=f"{town}履职台账", town=town,
                  entries=desk.entries(user, town, code, month), summary=desk.summary(user, town, month),
                  month=month or "", code=code or "", error=error, form=form or {}, today=date.today().isoformat())


@router.get("/ledger/{town}", response_class=HTMLResponse)
def ledger_page(request: Request, town: Town, user: SignedIn, month: Month = None,
                code: Annotated[Optional[str], Query(max_length=8)] = None):
    return _ledger(request, user, town, month or None, code or None)


@router.get("/ledger/{town}/print", response_class=HTMLResponse)
def ledger_print(request: Request, town: Town, user: SignedIn, month: Month = None):
    return _ledger(request, user, town, month or None, None, template="ledger_print.html")


@router.post("/ledger/{town}", response_class=HTMLResponse)
def add_entry(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "",
              code: Annotated[str, Form(max_length=8)] = "", received_on: Annotated[str, Form(max_length=10)] = "",
              done_on: Annotated[str, Form(max_length=10)] = "", work: Text = "", result: Text = "",
              attachments: Annotated[str, Form(max_length=2000)] = ""):
    check_csrf(request, csrf_token)
    form = {"code": code, "received_on": received_on, "done_on": done_on, "work": work, "result": result,
            "attachments": attachments}
    try:
        try:
            received = date.fromisoformat(received_on)
            done = date.fromisoformat(done_on) if done_on.strip() else None
        except ValueError:
            raise InvalidInput("日期应写成 2026-03-01 的形式") from None
        files = [n for n in attachments.replace("，", "、").replace(",", "、").replace("\n", "、").split("、")]
        _work(request).ledger.add(user, town, code, received, work, result, done, None, files)
    except Forbidden:
        raise
    except InvalidInput as exc:
        return _ledger(request, user, town, None, None, error=str(exc), status=422, form=form)
    return RedirectResponse(f"/ledger/{town}", status_code=303)


# -- assessment schemes ----------------------------------------------------------------------------------

@router.get("/indicators", response_class=HTMLResponse)
def schemes_page(request: Request, user: SignedIn):
    return render(request, "schemes.html", title="考核指标核查", schemes=_work(request).indicators.schemes(user),
                  towns=_work(request).lists.towns(), error=None, year=date.today().year)


@router.post("/indicators", response_class=HTMLResponse)
def import_scheme(request: Request, user: SignedIn, file: Annotated[UploadFile, File()], csrf_token: Csrf = "",
                  town: Name = "", year: Annotated[int, Form(ge=2000, le=2100)] = date.today().year,
                  name: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf_token)
    desk = _work(request).indicators
    try:
        data, filename = read_upload(file)
        scheme = desk.import_scheme(user, town, year, data, filename, name)
    except Forbidden:
        raise
    except InvalidInput as exc:
        return render(request, "schemes.html", status_code=422, title="考核指标核查", schemes=desk.schemes(user),
                      towns=_work(request).lists.towns(), error=str(exc), year=year)
    return RedirectResponse(scheme["url"], status_code=303)


@router.get("/indicators/{scheme_id}", response_class=HTMLResponse)
def scheme_page(request: Request, scheme_id: Id, user: SignedIn,
                department: Annotated[Optional[str], Query(max_length=128)] = None,
                flag: Annotated[Optional[str], Query(max_length=16)] = None):
    report = _work(request).indicators.report(user, scheme_id, department or None, flag or None)
    return render(request, "scheme.html", title=report["scheme"]["name"], report=report, department=department or "",
                  flag=flag or "", flags=FLAGS)


@router.get("/indicators/{scheme_id}/opinion", response_class=HTMLResponse)
def scheme_opinion(request: Request, scheme_id: Id, user: SignedIn,
                   department: Annotated[Optional[str], Query(max_length=128)] = None):
    report = _work(request).indicators.report(user, scheme_id, department or None)
    return render(request, "scheme_opinion.html", title=f"考核指标核查意见·{report['scheme']['name']}", report=report,
                  department=department or "", flags=FLAGS)


@router.post("/indicators/{scheme_id}/confirm", response_class=HTMLResponse)
def confirm(request: Request, scheme_id: Id, user: SignedIn, csrf_token: Csrf = "",
            indicator: Annotated[int, Form(ge=1, le=2**31 - 1)] = 0,
            code: Annotated[str, Form(max_length=8)] = "", action: Annotated[str, Form(max_length=8)] = "confirm"):
    check_csrf(request, csrf_token)
    _work(request).indicators.confirm(user, indicator, None if action == "confirm" else code)
    return RedirectResponse(f"/indicators/{scheme_id}#i{indicator}", status_code=303)


# -- statistics ----------------------------------------------------------------------------------------

@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: SignedIn, town: Annotated[Optional[str], Query(max_length=64)] = None,
               district: Annotated[Optional[str], Query(max_length=64)] = None):
    data = _work(request).statistics.town(user, town or (user.town if user.role == "town" else None), district or None)
    charts = {
        "lists": bars("各清单事项数", data["lists"]),
        "categories": bars("各类别事项数（前 15）", dict(list(data["categories"].items())[:15])),
        "offices": bars("各科室台账记录", {k: v.get("received", 0) for k, v in data["offices"].items()}),
        "months": columns("每月工单与准入审查", data["months"], {"tickets": "工单", "reviews": "准入审查"}),
        "items": bars("工单与审查最多的事项", data["items"]),
        "flagged": bars("各考核部门有问题的指标", {k: v["flagged"] for k, v in data["flagged"].items()}),
    }
    return render(request, "stats.html", title="统计", data=data, charts=charts, flags=FLAGS)
