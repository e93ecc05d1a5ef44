"""Pages for 诉求派单: the dispatcher's queue, an assignee's inbox, a ticket with its disputes, statistics."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from ..dispatch import service as tickets
from ..dispatch.route import CHANNELS
from .api_tickets import create_ticket, dispute_ticket, import_upload, one_ticket, transition
from .auth import SignedIn, check_csrf
from .render import render

router = APIRouter(include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Csrf = Annotated[str, Form(max_length=128)]
Note = Annotated[str, Form(max_length=tickets.MAX_NOTE_CHARS)]
VERDICTS = {"basic": "基本履职", "cooperative": "配合履职", "reclaimed": "上级部门收回", "abolished": "不再开展",
            "unlisted": "清单外", None: "无法判断"}


def _catalog(request: Request):
    return request.app.state.catalog


def _list_context(request: Request, user, state: str | None, title: str, template_flags: dict) -> dict:
    state = state if state in tickets.STATES else None
    with _catalog(request).store.transaction() as session:
        total, rows = tickets.visible(session, user, state, 100)
        items = [tickets.ticket_dict(session, r, user) for r in rows]
    return {"title": title, "tickets": items, "total": total, "state": state, "states": tickets.STATES,
            "verdicts": VERDICTS, "report": None, **template_flags}


def _list(request: Request, user, state: str | None, title: str, template_flags: dict):
    return render(request, "tickets.html", **_list_context(request, user, state, title, template_flags))


@router.get("/dispatch", response_class=HTMLResponse)
async def queue(request: Request, user: SignedIn, state: Annotated[Optional[str], Query(max_length=16)] = "pending"):
    if user.role not in tickets.DISPATCHERS:
        raise tickets.TicketForbidden(f"{user.role_name}无权使用派单队列")
    return _list(request, user, state, "派单队列", {"queue": True, "base_path": "/dispatch"})


@router.post("/tickets/import", response_class=HTMLResponse)
async def import_form(request: Request, user: SignedIn, csrf_token: Csrf = "",
                      file: Annotated[Optional[UploadFile], File()] = None):
    check_csrf(request, csrf_token)
    if file is None or not file.filename:
        raise tickets.TicketError("请选择要导入的 .csv 或 .xlsx 文件")
    report = await run_in_threadpool(import_upload, _catalog(request), user, file)
    context = _list_context(request, user, "pending", "派单队列", {"queue": True, "base_path": "/dispatch"})
    return render(request, "tickets.html", **{**context, "report": report})


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, user: SignedIn, state: Annotated[Optional[str], Query(max_length=16)] = None):
    if user.role not in ("town", "department"):
        raise tickets.TicketForbidden(f"{user.role_name}没有承办工单的收件箱")
    return _list(request, user, state, f"{user.town or user.department}的工单", {"queue": False, "base_path": "/inbox"})


@router.get("/tickets/new", response_class=HTMLResponse)
async def new_ticket_page(request: Request, user: SignedIn):
    if user.role not in tickets.DISPATCHERS:
        raise tickets.TicketForbidden(f"{user.role_name}无权登记工单")
    return render(request, "ticket_new.html", title="登记工单", towns=_catalog(request).towns(), channels=CHANNELS,
                  form={}, error=None)


@router.post("/tickets", response_class=HTMLResponse)
async def add_ticket(request: Request, user: SignedIn, csrf_token: Csrf = "",
                     text: Annotated[str, Form(max_length=tickets.MAX_TEXT_CHARS)] = "",
                     town: Annotated[str, Form(max_length=64)] = "",
                     channel: Annotated[str, Form(max_length=16)] = "12345",
                     location: Annotated[str, Form(max_length=255)] = "",
                     contact_name: Annotated[str, Form(max_length=64)] = "",
                     contact_phone: Annotated[str, Form(max_length=32)] = ""):
    check_csrf(request, csrf_token)
    try:
        created = create_ticket(_catalog(request), user, tickets.NewTicket(text, town, channel, None, None, location,
                                                                           contact_name, contact_phone))
    except tickets.TicketForbidden:
        raise
    except tickets.TicketError as exc:
        return render(request, "ticket_new.html", status_code=422, title="登记工单", towns=_catalog(request).towns(),
                      channels=CHANNELS, error=str(exc),
                      form={"text": text, "town": town, "channel": channel, "location": location,
                            "contact_name": contact_name, "contact_phone": contact_phone})
    return RedirectResponse(f"/tickets/{created['id']}", status_code=303)


def _ticket_page(request: Request, user, ticket_id: int, error: str | None = None, status_code: int = 200):
    ticket = one_ticket(_catalog(request), user, ticket_id)
    mine = (user.role == "town" and ticket["assignee"] == user.town) or \
           (user.role == "department" and ticket["assignee"] == user.department)
    return render(request, "ticket.html", status_code=status_code, title=f"工单 {ticket_id}", ticket=ticket,
                  verdicts=VERDICTS, dispatcher=user.role in tickets.DISPATCHERS, mine=mine, error=error,
                  departments=[d.name for d in _catalog(request).departments()], towns=_catalog(request).towns())


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
async def ticket_page(request: Request, ticket_id: TicketId, user: SignedIn):
    return _ticket_page(request, user, ticket_id)


def _act(request: Request, user, ticket_id: int, csrf: str, change, back: str | None = None):
    """Runs a transition from a form; a refusal is shown on the ticket page, a success goes back."""
    check_csrf(request, csrf)
    try:
        change()
    except (tickets.TicketForbidden, tickets.TicketConflict, tickets.TicketNotFound):
        raise
    except tickets.TicketError as exc:
        return _ticket_page(request, user, ticket_id, str(exc), 422)
    return RedirectResponse(back or f"/tickets/{ticket_id}", status_code=303)


@router.post("/tickets/{ticket_id}/dispatch")
async def dispatch_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "",
                        assignee: Annotated[str, Form(max_length=128)] = "", note: Note = "",
                        back: Annotated[str, Form(max_length=64)] = ""):
    lists = _catalog(request)
    return _act(request, user, ticket_id, csrf_token, lambda: transition(
        lists, user, ticket_id, lambda s: tickets.dispatch(s, user, ticket_id, assignee or None, note)),
        "/dispatch" if back == "queue" else None)


@router.post("/tickets/{ticket_id}/accept")
async def accept_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = ""):
    lists = _catalog(request)
    return _act(request, user, ticket_id, csrf_token,
                lambda: transition(lists, user, ticket_id, lambda s: tickets.accept(s, user, ticket_id)))


@router.post("/tickets/{ticket_id}/resolve")
async def resolve_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "", note: Note = ""):
    lists = _catalog(request)
    return _act(request, user, ticket_id, csrf_token,
                lambda: transition(lists, user, ticket_id, lambda s: tickets.finish(s, user, ticket_id, note)))


@router.post("/tickets/{ticket_id}/close")
async def close_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "", note: Note = ""):
    lists = _catalog(request)
    return _act(request, user, ticket_id, csrf_token,
                lambda: transition(lists, user, ticket_id, lambda s: tickets.close(s, user, ticket_id, note)))


@router.post("/tickets/{ticket_id}/disputes")
async def dispute_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "", reason: Note = "",
                       cited_item: Annotated[str, Form(max_length=8)] = "",
                       proposed_assignee: Annotated[str, Form(max_length=128)] = ""):
    lists = _catalog(request)
    return _act(request, user, ticket_id, csrf_token, lambda: dispute_ticket(
        lists, user, ticket_id, reason, cited_item or None, proposed_assignee or None))


@router.post("/tickets/{ticket_id}/disputes/decision")
async def decide_form(request: Request, ticket_id: TicketId, user: SignedIn, csrf_token: Csrf = "",
                      accepted: Annotated[str, Form(max_length=8)] = "", reason: Note = "",
                      new_assignee: Annotated[str, Form(max_length=128)] = ""):
    lists = _catalog(request)
    return _act(request, user, ticket_id, csrf_token, lambda: transition(lists, user, ticket_id, lambda s: tickets.decide_dispute(
        s, user, ticket_id, accepted == "yes", reason, new_assignee or None)))


@router.get("/dispatch/stats", response_class=HTMLResponse)
async def stats_page(request: Request, user: SignedIn):
    with _catalog(request).store.transaction() as session:
        data = tickets.stats(session, user)
    return render(request, "dispatch_stats.html", title="派单统计", data=data, verdicts=VERDICTS)
