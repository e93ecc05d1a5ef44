"""Pages for 动态调整: proposals (form, the item after the change beside today's, consultation, decision),
publishing approved proposals, and each town's public notice with its Atom feed."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import Forbidden, InvalidInput, NotFound
from ..formats.feeds import atom_feed
from ..lists.diff import comparable
from ..model import LIST_TITLES
from ..work.proposals import (EDITABLE, KINDS, MAX_TEXT, REASONS, STATES, Draft, as_item, item_from_fields,
                              proposer_of)
from ..work.services import Services
from .auth import SignedIn, check_csrf
from .render import render

router = APIRouter(include_in_schema=False)
ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Csrf = Annotated[str, Form(max_length=128)]
Text = Annotated[str, Form(max_length=MAX_TEXT)]


def _work(request: Request) -> Services:
    return request.app.state.services


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _form_of(item: dict | None) -> dict:
    """An item's fields as the form's text boxes show them (one line each)."""
    item = item or {}
    return {"list": item.get("list", ""), "category": item.get("category", ""), "title": item.get("title", ""),
            "departments": "\n".join(item.get("departments", [])),
            "department_duties": "\n".join(f"{'、'.join(g['departments'])}：{d}" for g in item.get("department_duties", [])
                                           for d in g["duties"]),
            "town_duties": "\n".join(item.get("town_duties", [])),
            "handlers": "\n".join(f"{'、'.join(h['departments'])}：{m}" for h in item.get("handlers", [])
                                  for m in h["methods"])}


class ProposalForm(BaseModel):
    """The proposal form's fields (new and edit): the scope, the change, the reason and basis."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    csrf_token: str = Field("", max_length=128)
    town: str = Field("", max_length=64)
    scope: str = Field("", max_length=64, description="empty: the town only; a district's name: all its towns")
    kind: str = Field("", max_length=16)
    target_code: str = Field("", max_length=16)
    list_kind: str = Field("", alias="list", max_length=16)
    category: str = Field("", max_length=64)
    title: str = Field("", max_length=200)
    departments: str = Field("", max_length=20_000)
    department_duties: str = Field("", max_length=20_000)
    town_duties: str = Field("", max_length=20_000)
    handlers: str = Field("", max_length=20_000)
    reason_kind: str = Field("", max_length=16)
    reason: str = Field("", max_length=MAX_TEXT)
    basis_document: str = Field("", max_length=255)
    basis_number: str = Field("", max_length=255)
    basis_article: str = Field("", max_length=255)
    action: str = Field("save", max_length=16)

    def shown(self) -> dict:
        """The values as the form shows them again (after an error)."""
        data = self.model_dump(exclude={"csrf_token", "action", "list_kind"})
        return {**data, "list": self.list_kind}

    def draft(self, request: Request, user) -> Draft:
        item = item_from_fields(self.list_kind, self.category, self.title, _lines(self.departments),
                                _lines(self.department_duties), _lines(self.town_duties), _lines(self.handlers))
        town = user.town if user.role == "town" else self.town
        if self.kind in ("change", "move") and self.target_code:
            # the form shows the whole item: keep only what differs from today's
            try:
                today = comparable(_work(request).lists.item(town, self.target_code))
            except NotFound:
                today = {}  # the desk says which code is wrong
            item = {k: v for k, v in item.items() if today.get(k) != v}
            if self.kind == "move" and self.list_kind:
                item["list"] = self.list_kind
        return Draft(town, self.kind, self.reason_kind, self.reason, self.target_code or None, item,
                     self.basis_document, self.basis_number, self.basis_article, self.scope or None)


Fields = Annotated[ProposalForm, Form()]


def _form_page(request: Request, user, form: dict, error: str | None = None, status: int = 200,
               editing: dict | None = None):
    towns = _work(request).lists.towns()
    districts = list(dict.fromkeys(t.district for t in towns if t.district))
    title = f"修改调整申请 {editing['id']}" if editing else "提出调整申请"
    return render(request, "proposal_new.html", status_code=status, title=title, form=form, error=error,
                  towns=towns, districts=districts, kinds=KINDS, reasons=REASONS, lists=LIST_TITLES, editing=editing)


@router.get("/proposals", response_class=HTMLResponse)
def proposals_page(request: Request, user: SignedIn, state: Annotated[Optional[str], Query(max_length=16)] = None,
                   error: Optional[str] = None, status: int = 200):
    rows = _work(request).proposals.listing(user, state or None)
    approved = [p for p in rows if p["state"] == "approved"] if user.role == "admin" else []
    return render(request, "proposals.html", status_code=status, title="动态调整", proposals=rows, states=STATES,
                  state=state, approved=approved, today=date.today().isoformat(), error=error)


@router.get("/proposals/new", response_class=HTMLResponse)
def new_proposal_page(request: Request, user: SignedIn, kind: Annotated[str, Query(max_length=16)] = "add",
                      code: Annotated[str, Query(max_length=16)] = "", town: Annotated[str, Query(max_length=64)] = ""):
    if user.role == "dispatcher":  # as the list and the desk: dispatchers neither see nor make proposals
        raise Forbidden("派单员无权提出调整申请")
    lists = _work(request).lists
    town = user.town if user.role == "town" else (town or lists.default_town())
    item = comparable(lists.item(town, code)) if code else {}
    return _form_page(request, user, {"town": town, "scope": "", "kind": kind if kind in KINDS else "add",
                                      "target_code": code.upper(),
                                      "reason_kind": "town" if user.role == "town" else "function", "reason": "",
                                      "basis_document": "", "basis_number": "", "basis_article": "", **_form_of(item)})


@router.post("/proposals", response_class=HTMLResponse)
def create_proposal(request: Request, user: SignedIn, form: Fields):
    check_csrf(request, form.csrf_token)
    desk = _work(request).proposals
    try:
        created = desk.create(user, form.draft(request, user))
    except (InvalidInput, NotFound) as exc:  # NotFound: a department or town typed that does not exist — the form again
        return _form_page(request, user, form.shown(), str(exc), 422)
    if form.action == "submit":
        desk.submit(user, created["id"])
    return RedirectResponse(f"/proposals/{created['id']}", status_code=303)


@router.get("/proposals/{proposal_id}/edit", response_class=HTMLResponse)
def edit_proposal_page(request: Request, proposal_id: ProposalId, user: SignedIn):
    """The form pre-filled with a draft or a returned proposal (any other state: 409)."""
    p = _work(request).proposals.for_edit(user, proposal_id)
    form = {"town": p["town"], "scope": p["district"] or "", "kind": p["kind"], "target_code": p["target_code"] or "",
            "reason_kind": p["reason_kind"], "reason": p["reason"], "basis_document": p["basis_document"],
            "basis_number": p["basis_number"], "basis_article": p["basis_article"],
            **_form_of(p["after"] or p["before"])}
    if p["kind"] == "remove":
        form["list"] = ""
    return _form_page(request, user, form, editing=p)


@router.post("/proposals/{proposal_id}/edit", response_class=HTMLResponse)
def edit_proposal(request: Request, proposal_id: ProposalId, user: SignedIn, form: Fields):
    check_csrf(request, form.csrf_token)
    desk = _work(request).proposals
    try:
        desk.edit(user, proposal_id, form.draft(request, user))
    except (InvalidInput, NotFound) as exc:
        return _form_page(request, user, form.shown(), str(exc), 422, editing=desk.for_edit(user, proposal_id))
    if form.action == "submit":
        desk.submit(user, proposal_id)
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)


@router.post("/proposals/from-review", response_class=HTMLResponse)
def proposal_from_review(request: Request, user: SignedIn, csrf_token: Csrf = "",
                         review_id: Annotated[list[int], Form()] = []):  # noqa: B006 (FastAPI form default)
    """One approved 清单外 review, or a monitor's candidate (the same task approved again and again)."""
    check_csrf(request, csrf_token)
    created = _work(request).proposals.from_reviews(user, review_id)
    return RedirectResponse(f"/proposals/{created['id']}", status_code=303)


@router.post("/proposals/publish", response_class=HTMLResponse)
def publish(request: Request, user: SignedIn, csrf_token: Csrf = "", label: Annotated[str, Form(max_length=128)] = "",
            effective_date: Annotated[str, Form(max_length=10)] = "",
            proposals: Annotated[list[int], Form()] = []):  # noqa: B006 (FastAPI form default)
    check_csrf(request, csrf_token)
    try:
        on = date.fromisoformat(effective_date)
    except ValueError:
        return proposals_page(request, user, error="请填写生效日期，如 2027-01-01", status=422)
    try:
        published = _work(request).proposals.publish(user, proposals, label, on)
    except InvalidInput as exc:
        return proposals_page(request, user, error=str(exc), status=422)
    request.app.state.catalog.written()
    if published["left_out"]:  # show where it could not go
        return RedirectResponse(f"/proposals/{published['left_out'][0]['proposal']}#towns", status_code=303)
    return RedirectResponse(f"/t/{published['versions'][0]['town']}/adjustments", status_code=303)


def _proposal_page(request: Request, user, proposal_id: int, error: str | None = None, status: int = 200):
    desk = _work(request).proposals
    p = desk.one(user, proposal_id)
    pending = [o["department"] for o in p["opinions"] if o["given_at"] is None]
    owner = user.role == "admin" or p["proposer"] == proposer_of(user)
    rights = {
        "may_edit": p["state"] in EDITABLE and owner,
        "may_submit": p["state"] in EDITABLE and owner,
        "may_consult": user.role == "admin" and p["state"] == "submitted",
        "may_opine": user.role == "department" and p["state"] == "consulting" and user.department in pending,
        "may_decide": user.role == "admin" and p["state"] in ("submitted", "consulting", "deciding"),
    }
    before = as_item(p["before"], p["target_code"] or "") if p["before"] else None
    after = as_item(p["after"], p["published_code"] or "") if p["after"] else None
    towns = desk.coverage(user, proposal_id) if p["district"] or p["publications"] else []
    return render(request, "proposal.html", status_code=status, title=f"调整申请 {proposal_id}", p=p, before=before,
                  after=after, lists=LIST_TITLES, error=error, towns=towns, **rights)


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, proposal_id: ProposalId, user: SignedIn):
    return _proposal_page(request, user, proposal_id)


def _step(request: Request, user, proposal_id: int, step):
    try:
        step()
    except InvalidInput as exc:
        return _proposal_page(request, user, proposal_id, str(exc), 422)
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)


@router.post("/proposals/{proposal_id}/submit", response_class=HTMLResponse)
def submit(request: Request, proposal_id: ProposalId, user: SignedIn, csrf_token: Csrf = ""):
    check_csrf(request, csrf_token)
    return _step(request, user, proposal_id, lambda: _work(request).proposals.submit(user, proposal_id))


@router.post("/proposals/{proposal_id}/consult", response_class=HTMLResponse)
def consult(request: Request, proposal_id: ProposalId, user: SignedIn, csrf_token: Csrf = ""):
    check_csrf(request, csrf_token)
    return _step(request, user, proposal_id, lambda: _work(request).proposals.consult(user, proposal_id))


@router.post("/proposals/{proposal_id}/opinion", response_class=HTMLResponse)
def opinion(request: Request, proposal_id: ProposalId, user: SignedIn, csrf_token: Csrf = "",
            agree: Annotated[str, Form(max_length=8)] = "", opinion: Text = ""):
    check_csrf(request, csrf_token)
    if agree not in ("yes", "no"):
        return _proposal_page(request, user, proposal_id, "请选择同意或不同意", 422)
    return _step(request, user, proposal_id,
                 lambda: _work(request).proposals.opinion(user, proposal_id, agree == "yes", opinion))


@router.post("/proposals/{proposal_id}/decision", response_class=HTMLResponse)
def decision(request: Request, proposal_id: ProposalId, user: SignedIn, csrf_token: Csrf = "",
             approved: Annotated[str, Form(max_length=8)] = "", reason: Text = ""):
    check_csrf(request, csrf_token)
    if approved not in ("yes", "no"):
        return _proposal_page(request, user, proposal_id, "请选择批准或退回", 422)
    return _step(request, user, proposal_id,
                 lambda: _work(request).proposals.decide(user, proposal_id, approved == "yes", reason))


# -- the public notice (公示) -------------------------------------------------------------------------

@router.get("/t/{town}/adjustments", response_class=HTMLResponse)
def adjustments_page(request: Request, town: Annotated[str, Path(max_length=64)]):
    work = _work(request)
    info = work.lists.town(town)
    rows = work.proposals.published(info.name)
    versions: dict[str, list[dict]] = {}
    for p in rows:
        versions.setdefault(p["published_version"], []).append(p)
    return render(request, "adjustments.html", title=f"{info.name}清单动态调整公示", town=info, versions=versions,
                  lists=LIST_TITLES)


@router.get("/t/{town}/adjustments.atom")
def adjustments_feed(request: Request, town: Annotated[str, Path(max_length=64)]):
    work = _work(request)
    info = work.lists.town(town)
    base = str(request.base_url).rstrip("/")
    entries = [{"id": f"{base}/proposals/{p['id']}", "link": f"{base}/t/{info.name}/adjustments#p{p['id']}",
                "title": f"{p['published_version']}：{p['kind_name']} {p['code']} {p['title']}",
                "updated": p["decided_at"] or p["created_at"],
                "summary": f"{p['effective_date']} 起生效。理由：{p['reason_kind_name']}，{p['reason']}"
                           + (f"。依据：{p['basis_document']} {p['basis_number']} {p['basis_article']}".rstrip())}
               for p in work.proposals.published(info.name)]
    body = atom_feed(f"{base}/t/{info.name}/adjustments", f"{info.name}清单动态调整公示", f"{base}/t/{info.name}/adjustments",
                     entries)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
