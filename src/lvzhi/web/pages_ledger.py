"""Pages for the town's organisation (机构分工), its ledger (履职台账), assessment schemes checked against the lists
(考核核查) and the statistics with charts."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote
from typing import Annotated, Optional

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..model import LIST_KINDS, LIST_SHORT_NAMES
from ..review.indicators import FLAGS
from ..work.ledger import STATES
from ..work.organisation import NOBODY
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
    return RedirectResponse(url + (f"?done={quote(message)}" if message else ""), status_code=303)


# -- organisation ------------------------------------------------------------------------------------

def _organisation(request: Request, user, town: str, error: str | None = None, unassigned: bool = False,
                  status: int = 200, done: str | None = None, code: str = ""):
    desk = _work(request).organisation
    board = desk.board(user, town)
    items = [i for i in board["items"] if not i["lead"]] if unassigned else board["items"]
    dataset = _work(request).lists.dataset(town)
    categories = {kind: [c for c, _ in dataset.categories(kind)] for kind in LIST_KINDS}
    chosen = next((i for i in board["items"] if i["code"] == code.strip().upper()), None) if code else None
    return render(request, "organisation.html", status_code=status, title=f"{town}机构分工", town=town, board=board,
                  items=items, offices=desk.offices(user, town), unassigned=unassigned, error=error, done=done,
                  categories=categories, kinds=LIST_SHORT_NAMES, chosen=chosen)


@router.get("/org/{town}", response_class=HTMLResponse)
def organisation_page(request: Request, town: Town, user: SignedIn,
                      unassigned: Annotated[int, Query(ge=0, le=1)] = 0,
                      done: Annotated[Optional[str], Query(max_length=300)] = None,
                      code: Annotated[str, Query(max_length=8)] = ""):
    return _organisation(request, user, town, unassigned=bool(unassigned), done=done, code=code)


def _offices(request: Request, user, town: str, error: str | None = None, status: int = 200,
             done: str | None = None):
    desk = _work(request).organisation
    return render(request, "offices.html", status_code=status, title=f"{town}科室与人员", town=town,
                  offices=desk.offices(user, town), error=error, done=done, nobody=NOBODY)


def _org_change(request: Request, user, town: str, csrf: str, change, message, page=_organisation,
                back: str = ""):
    """One change of the organisation: done → back to the page with a notice; refused → the page again with the
    Chinese reason (422 bad input, 409 refused because of what the office or person still carries)."""
    check_csrf(request, csrf)
    try:
        result = change()
    except (InvalidInput, Conflict) as exc:
        return page(request, user, town, error=str(exc), status=exc.status)
    return _back(f"/org/{town}{back}", message(result) if callable(message) else message)


@router.get("/org/{town}/offices", response_class=HTMLResponse)
def offices_page(request: Request, town: Town, user: SignedIn,
                 done: Annotated[Optional[str], Query(max_length=300)] = None):
    return _offices(request, user, town, done=done)


@router.post("/org/{town}/offices", response_class=HTMLResponse)
def add_office(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "", name: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.add_office(user, town, name), f"已新增科室 {name.strip()}",
                       _offices, "/offices")


@router.post("/org/{town}/offices/{office_id}/rename", response_class=HTMLResponse)
def rename_office(request: Request, town: Town, office_id: Id, user: SignedIn, csrf_token: Csrf = "",
                  name: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.rename_office(user, town, office_id, name),
                       lambda r: f"科室已改名为 {r['name']}" if r["changed"] else "名称未变", _offices, "/offices")


@router.post("/org/{town}/offices/{office_id}/remove", response_class=HTMLResponse)
def remove_office(request: Request, town: Town, office_id: Id, user: SignedIn, csrf_token: Csrf = "",
                  move_to: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.remove_office(user, town, office_id, move_to or None),
                       _removed_office, _offices, "/offices")


def _removed_office(result: dict) -> str:
    moved = (f"；{len(result['lead_moved'])} 个牵头事项、{len(result['co_moved'])} 个配合事项、"
             f"{len(result['staff_moved'])} 名人员和 {result['open_entries_moved']} 条未办结台账已交给 {result['moved_to']}"
             if result["moved_to"] else "")
    kept = "（历史分工和台账中仍显示其名称）" if result["outcome"] == "deactivated" else ""
    return f"已撤销科室 {result['name']}{kept}{moved}"


@router.post("/org/{town}/staff", response_class=HTMLResponse)
def add_staff(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "", office: Name = "",
              name: Name = "", post: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.add_staff(user, town, office, name, post),
                       f"已新增人员 {name.strip()}", _offices, "/offices")


@router.post("/org/{town}/staff/{staff_id}/edit", response_class=HTMLResponse)
def edit_staff(request: Request, town: Town, staff_id: Id, user: SignedIn, csrf_token: Csrf = "",
               name: Name = "", office: Name = "", post: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.edit_staff(user, town, staff_id, name, office, post),
                       lambda r: f"已保存 {r['name']}（{r['office']}）" if r["changed"] else "没有改动",
                       _offices, "/offices")


@router.post("/org/{town}/staff/{staff_id}/remove", response_class=HTMLResponse)
def remove_staff(request: Request, town: Town, staff_id: Id, user: SignedIn, csrf_token: Csrf = "",
                 replace_with: Name = ""):
    return _org_change(request, user, town, csrf_token,
                       lambda: _work(request).organisation.remove_staff(user, town, staff_id, replace_with or None),
                       lambda r: f"已移除人员 {r['name']}" + (f"，{len(r['items'])} 个事项改由"
                                                          f"{r['replaced_by'] or '（不设责任人）'}负责" if r["items"] else ""),
                       _offices, "/offices")


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
            status: int = 200, form: dict | None = None, template: str = "ledger.html", state: str | None = None,
            done: str | None = None, finishing: int | None = None):
    desk = _work(request).ledger
    everything = desk.entries(user, town, code, month)
    shown = [e for e in everything if e["state"] == state] if state else everything
    counts = {k: sum(1 for e in everything if e["state"] == k) for k in STATES}
    return render(request, template, status_code=status, title=f"{town}履职台账", town=town, entries=shown,
                  summary=desk.summary(user, town, month), month=month or "", code=code or "", error=error,
                  form=form or {}, today=date.today().isoformat(), state=state or "", states=STATES, counts=counts,
                  done=done, finishing=finishing, finishing_form=template == "ledger.html")


State = Annotated[Optional[str], Query(pattern=r"^(open|overdue|done|late)?$")]


@router.get("/ledger/{town}", response_class=HTMLResponse)
def ledger_page(request: Request, town: Town, user: SignedIn, month: Month = None,
                code: Annotated[Optional[str], Query(max_length=8)] = None, state: State = None,
                done: Annotated[Optional[str], Query(max_length=300)] = None):
    return _ledger(request, user, town, month or None, code or None, state=state or None, done=done)


@router.get("/ledger/{town}/print", response_class=HTMLResponse)
def ledger_print(request: Request, town: Town, user: SignedIn, month: Month = None):
    return _ledger(request, user, town, month or None, None, template="ledger_print.html")


def _day(value: str, what: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{what}“{value.strip()[:20]}”不对，应写成 2026-03-01 的形式") from None


def _names(text: str) -> list[str]:
    """Attachment names as typed: separated by 顿号, commas or new lines."""
    return [n for n in text.replace("，", "、").replace(",", "、").replace("\n", "、").split("、")]


@router.post("/ledger/{town}", response_class=HTMLResponse)
def add_entry(request: Request, town: Town, user: SignedIn, csrf_token: Csrf = "",
              code: Annotated[str, Form(max_length=8)] = "", received_on: Annotated[str, Form(max_length=10)] = "",
              done_on: Annotated[str, Form(max_length=10)] = "", due_on: Annotated[str, Form(max_length=10)] = "",
              work: Text = "", result: Text = "", attachments: Annotated[str, Form(max_length=2000)] = ""):
    check_csrf(request, csrf_token)
    form = {"code": code, "received_on": received_on, "done_on": done_on, "due_on": due_on, "work": work,
            "result": result, "attachments": attachments}
    try:
        received = _day(received_on, "日期")
        if received is None:
            raise InvalidInput("请填写日期")
        entry = _work(request).ledger.add(user, town, code, received, work, result, _day(done_on, "完成日期"),
                                          _day(due_on, "期限"), _names(attachments))
    except (InvalidInput, NotFound) as exc:  # NotFound: an item code the lists do not have — the form again
        return _ledger(request, user, town, None, None, error=str(exc), status=422, form=form)
    return _back(f"/ledger/{town}", f"已登记台账 {entry['id']}（{entry['code']}）")


@router.post("/ledger/{town}/{entry_id}/finish", response_class=HTMLResponse)
def finish_entry(request: Request, town: Town, entry_id: Id, user: SignedIn, csrf_token: Csrf = "",
                 done_on: Annotated[str, Form(max_length=10)] = "", result: Text = "",
                 attachments: Annotated[str, Form(max_length=2000)] = ""):
    check_csrf(request, csrf_token)
    try:
        day = _day(done_on, "完成日期")
        if day is None:
            raise InvalidInput("请填写完成日期")
        finished = _work(request).ledger.finish(user, town, entry_id, day, result, _names(attachments))
    except (InvalidInput, Conflict) as exc:
        return _ledger(request, user, town, None, None, error=f"台账记录 {entry_id}：{exc}", status=exc.status,
                       finishing=entry_id)
    late = "（逾期完成）" if finished["late"] else ""
    return _back(f"/ledger/{town}", f"台账记录 {entry_id}（{finished['code']}）已办结{late}")


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
def scheme_opinion_page(request: Request, scheme_id: Id, user: SignedIn,
                        department: Annotated[Optional[str], Query(max_length=128)] = None):
    opinion = _work(request).indicators.opinion(user, scheme_id, department)
    docx = f"/api/v1/schemes/{scheme_id}/opinion.docx" + (f"?department={quote(department)}" if department else "")
    return render(request, "opinion.html", title=opinion.title, opinion=opinion, docx_url=docx,
                  crumbs=[("考核指标核查", "/indicators"), (f"考核方案 {scheme_id}", f"/indicators/{scheme_id}")])


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
