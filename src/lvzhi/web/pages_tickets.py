"""Pages for 诉求派单: the dispatcher's queue, an assignee's inbox, a ticket with its disputes, statistics."""
from __future__ import annotations

from typing import Annotated, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from ..dispatch.deadlines import default_urgency, urgencies
from ..dispatch.route import CHANNELS
from ..formats.reports import ticket_sheet
from .downloads import xlsx_download
from ..vocab import VERDICT_LABELS
from ..work import tickets
from .api_tickets import import_upload
from .auth import SignedIn, check_csrf
from .filters import day
from .render import render

router = APIRouter(include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Csrf = Annotated[str, Form(max_length=128)]
Note = Annotated[str, Form(max_length=tickets.MAX_NOTE_CHARS)]


PER_PAGE = 50
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
VERDICTS = {**VERDICT_LABELS, None: "无法判断"}


def _desk(request: Request) -> tickets.TicketDesk:
    return request.app.state.services.tickets


def _catalog(request: Request):
    return request.app.state.catalog


def filters_of(q: str = "", overdue: str = "", since: str = "", until: str = "", sort: str = "newest"):
    """The queue's filters from the page's query string; a date that is not one is a clear error."""
    return tickets.TicketFilter(q, overdue in ("1", "yes", "true"), day(since, "起始日期"), day(until, "截止日期"),
                                sort or "newest")


Filters = Annotated[tickets.TicketFilter, Depends(filters_of)]


def _query(state: str | None, filters: tickets.TicketFilter, page: int | None = None) -> str:
    values = {"state": state or "", "q": filters.words, "overdue": "1" if filters.overdue else "",
              "since": filters.since.isoformat() if filters.since else "",
              "until": filters.until.isoformat() if filters.until else "", "sort": filters.sort}
    if page:
        values["page"] = str(page)
    return urlencode({k: v for k, v in values.items() if v or k == "state"})


def _list_context(request: Request, user, state: str | None, title: str, template_flags: dict, page: int = 1,
                  filters: tickets.TicketFilter | None = None) -> dict:
    state = state if state in tickets.STATES else None
    filters = filters or tickets.TicketFilter()
    listing = _desk(request).listing(user, state, page, PER_PAGE, filters)
    pages = max(1, -(-listing["total"] // PER_PAGE))
    return {"title": title, "tickets": listing["tickets"], "total": listing["total"], "state": state,
            "states": tickets.STATES, "verdicts": VERDICTS, "report": None, "page": page, "pages": pages,
            "filters": filters, "sorts": tickets.SORTS, "query": lambda p=None: _query(state, filters, p),
            **template_flags}


def _list(request: Request, user, state: str | None, title: str, template_flags: dict, page: int = 1,
          filters: tickets.TicketFilter | None = None):
    return render(request, "tickets.html", **_list_context(request, user, state, title, template_flags, page, filters))


@router.get("/dispatch", response_class=HTMLResponse)
def queue(request: Request, user: SignedIn, filters: Filters,
          state: Annotated[Optional[str], Query(max_length=16)] = "pending", page: PageNumber = 1):
    if user.role not in tickets.DISPATCHERS:
        raise tickets.Forbidden(f"{user.role_name}无权使用派单队列")
    return _list(request, user, state, "派单队列", {"queue": True, "base_path": "/dispatch"}, page, filters)


@router.get("/tickets/export.xlsx")
def export_tickets(request: Request, user: SignedIn, filters: Filters,
                   state: Annotated[Optional[str], Query(max_length=16)] = None):
    """What the queue or inbox shows with these filters (every page, however many), as a spreadsheet."""
    state = state if state in tickets.STATES else None
    return xlsx_download(ticket_sheet(_desk(request).matching(user, state, filters)), "工单.xlsx")


@router.post("/tickets/import", response_class=HTMLResponse)
def import_form(request: Request, user: SignedIn, csrf_token: Csrf = "",
                file: Annotated[Optional[UploadFile], File()] = None):
    check_csrf(request, csrf_token)
    if file is None or not file.filename:
        raise tickets.InvalidInput("请选择要导入的 .csv 或 .xlsx 文件")
    report = import_upload(_desk(request), user, file)
    context = _list_context(request, user, "pending", "派单队列", {"queue": True, "base_path": "/dispatch"})
    return render(request, "tickets.html", **{**context, "report": report})


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, user: SignedIn, filters: Filters,
          state: Annotated[Optional[str], Query(max_length=16)] = None, page: PageNumber = 1):
    if user.role not in ("town", "department"):
        raise tickets.Forbidden(f"{user.role_name}没有承办工单的收件箱")
    return _list(request, user, state, f"{user.town or user.department}的工单", {"queue": False, "base_path": "/inbox"},
                 page, filters)


@router.get("/tickets/new", response_class=HTMLResponse)
def new_ticket_page(request: Request, user: SignedIn):
    if user.role not in tickets.DISPATCHERS:
        raise tickets.Forbidden(f"{user.role_name}无权登记工单")
    return render(request, "ticket_new.html", title="登记工单", towns=_catalog(request).towns(), channels=CHANNELS,
                  urgencies=urgencies(), default_urgency=default_urgency(),
                  form={}, error=None)


@router.post("/tickets", response_class=HTMLResponse)
def add_ticket(request: Request, user: SignedIn, csrf_token: Csrf = "",
                     text: Annotated[str, Form(max_length=tickets.MAX_TEXT_CHARS)] = "",
                     town: Annotated[str, Form(max_length=64)] = "",
                     channel: Annotated[str, Form(max_length=16)] = "12345",
                     location: Annotated[str, Form(max_length=255)] = "",
                     contact_name: Annotated[str, Form(max_length=64)] = "",
                     contact_phone: Annotated[str, Form(max_length=32)] = "",
                     urgency: Annotated[str, Form(max_length=8)] = ""):
    check_csrf(request, csrf_token)
    try:
        created = _desk(request).create(user, tickets.NewTicket(text, town, channel, None, None, location,
                                                                contact_name, contact_phone, urgency))
    except tickets.Forbidden:
        raise
    except tickets.InvalidInput as exc:
        return render(request, "ticket_new.html", status_code=422, title="登记工单", towns=_catalog(request).towns(),
                      urgencies=urgencies(), default_urgency=default_urgency(),
                      channels=CHANNELS, error=str(exc),
                      form={"text": text, "town": town, "channel": channel, "location": location,
                            "contact_name": contact_name, "contact_phone": contact_phone, "urgency": urgency})
    return RedirectResponse(f"/tickets/{created['id']}", status_code=303)


def _ticket_page(request: Request, user, ticket_id: int, error: str | None = None, status_code: int = 200):
    desk = _desk(request)
    ticket = desk.one(user, ticket_id)
    options = desk.alternatives(ticket) if user.role in tickets.DISPATCHERS and ticket["state"] == "pending" else []
    mine = (user.role == "town" and ticket["assignee"] == user.town) or \
           (user.role == "department" and ticket["assignee"] == user.department)
    return render(request, "ticket.html", status_code=status_code, title=f"工单 {ticket_id}", ticket=ticket,
                  verdicts=VERDICTS, dispatcher=user.role in tickets.DISPATCHERS, mine=mine, error=error,
                  alternatives=options,
                  departments=[d.name for d in _catalog(request).departments()], towns=_catalog(request).towns())


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: TicketId, user: SignedIn):
    return _ticket_page(request, user, ticket_id)


def _act(request: Request, user, ticket_id: int, csrf: str, change, back: str | None = None):
    """Runs a transition from a form; a refusal is shown on the ticket page, a success goes back."""
    check_csrf(request, csrf)
    try:
        change()
    except (tickets.Forbidden, tickets.Conflict, tickets.NotFound):
        raise
    except tickets.InvalidInput as exc:
        return _ticket_page(request, user, ticket_id, str(exc), 422)
    return RedirectResponse(back or f"/tickets/{ticket_id}", status_code=303)


@router.post("/tickets/{ticket_id}/dispatch")
def dispatch_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "",
                        assignee: Annotated[str, Form(max_length=128)] = "", note: Note = "",
                        back: Annotated[str, Form(max_length=64)] = ""):
    return _act(request, user, ticket_id, csrf_token, lambda: _desk(request).dispatch(user, ticket_id, assignee or None, note),
                "/dispatch" if back == "queue" else None)


@router.post("/tickets/{ticket_id}/accept")
def accept_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = ""):
    return _act(request, user, ticket_id, csrf_token, lambda: _desk(request).accept(user, ticket_id))


@router.post("/tickets/{ticket_id}/resolve")
def resolve_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "", note: Note = ""):
    return _act(request, user, ticket_id, csrf_token, lambda: _desk(request).finish(user, ticket_id, note))


@router.post("/tickets/{ticket_id}/close")
def close_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "", note: Note = ""):
    return _act(request, user, ticket_id, csrf_token, lambda: _desk(request).close(user, ticket_id, note))


@router.post("/tickets/{ticket_id}/disputes")
def dispute_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "", reason: Note = "",
                       cited_item: Annotated[str, Form(max_length=8)] = "",
                       proposed_assignee: Annotated[str, Form(max_length=128)] = ""):
    return _act(request, user, ticket_id, csrf_token, lambda: _desk(request).dispute(
        user, ticket_id, reason, cited_item or None, proposed_assignee or None))


@router.post("/tickets/{ticket_id}/disputes/decision")
def decide_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "",
                      accepted: Annotated[str, Form(max_length=8)] = "", reason: Note = "",
                      new_assignee: Annotated[str, Form(max_length=128)] = ""):
    return _act(request, user, ticket_id, csrf_token, lambda: _desk(request).decide_dispute(
        user, ticket_id, accepted == "yes", reason, new_assignee or None))


@router.get("/dispatch/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: SignedIn):
    data = _desk(request).stats(user)
    return render(request, "dispatch_stats.html", title="派单统计", data=data, verdicts=VERDICTS)
