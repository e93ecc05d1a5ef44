"""Pages for signing in, 事项准入 (submit, review, decide, approve, opinion), the monitor, the audit log, accounts."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..review.kinds import (APPROVALS, DECISION_MEANINGS, DECISIONS, MAX_ATTACHMENT_CHARS, MAX_REASON_CHARS,
                            MAX_TEXT_CHARS, STATES)
from ..formats.reports import review_sheet
from ..review.opinion import review_opinion
from .downloads import xlsx_download
from ..work import accounts, reviews
from ..work.audit import ACTIONS
from ..work.services import Services
from .auth import SESSION_COOKIE, SignedIn, check_csrf, identify
from .filters import day
from .limits import charge_login
from .errors import ApiError
from .render import render

router = APIRouter(include_in_schema=False)


def review_filters(q: Annotated[str, Query(max_length=100)] = "", since: Annotated[str, Query(max_length=10)] = "",
                   until: Annotated[str, Query(max_length=10)] = "", sort: Annotated[str, Query(max_length=8)] = "newest"):
    return reviews.ReviewFilter(q, day(since, "起始日期"), day(until, "截止日期"), sort or "newest")


ReviewFilters = Annotated[reviews.ReviewFilter, Depends(review_filters)]
ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Csrf = Annotated[str, Form(max_length=128)]


def _catalog(request: Request):
    return request.app.state.catalog


def _work(request: Request) -> Services:
    return request.app.state.services


# Where each role's day starts when the login page was not reached from another page.
LANDING = {"admin": "/reviews", "town": "/reviews", "department": "/reviews", "dispatcher": "/dispatch"}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL (no open redirect); "" for none."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


# -- signing in and out ------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[Optional[str], Query(max_length=512)] = None):
    return render(request, "login.html", title="登录", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)] = "",
                password: Annotated[str, Form(max_length=256)] = "",
                next: Annotated[Optional[str], Form(max_length=512)] = None):
    if not _same_origin(request):  # login CSRF: another site must not sign a browser into an account of its own
        return render(request, "login.html", status_code=403, title="登录", next=None,
                      error="登录请求来自其他网站，已拒绝；请在本站的登录页登录")
    store = _catalog(request).store
    remote = request.client.host if request.client else ""
    try:
        charge_login(request)
        with store.transaction() as session:
            user = accounts.authenticate(session, username, password, remote)
            started = accounts.start_session(session, user) if user else None
    except accounts.TooManyAttempts as exc:
        response = render(request, "login.html", status_code=429, title="登录", next=_safe_next(next), error=str(exc))
        response.headers["Retry-After"] = str(exc.retry_after or int(accounts.THROTTLE_WINDOW.total_seconds()))
        return response
    if started is None:
        return render(request, "login.html", status_code=401, title="登录", next=_safe_next(next),
                      error=accounts.LOGIN_FAILED)
    response = RedirectResponse(_safe_next(next) or LANDING.get(user.role, "/"), status_code=303)
    response.set_cookie(SESSION_COOKIE, started[0], max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
                        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


def _same_origin(request: Request) -> bool:
    """A browser's Origin (or, without it, Referer) names this site; requests without either (scripts, old
    clients) pass, an opaque "null" origin does not."""
    from urllib.parse import urlsplit

    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True
    if origin == "null":
        return False
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "").split(",")[0].strip()}
    return urlsplit(origin).netloc in hosts - {""}


@router.post("/logout")
def logout(request: Request, csrf_token: Csrf = ""):
    if identify(request) is not None:
        check_csrf(request, csrf_token)
        with _catalog(request).store.transaction() as session:
            accounts.end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- reviews -----------------------------------------------------------------------------------------

@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, user: SignedIn, filters: ReviewFilters,
                 state: Annotated[Optional[str], Query(max_length=20)] = None,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    state = state if state in STATES else None
    listing = _work(request).reviews.listing(user, state, page, 50, filters)
    query = {"state": state or "", "q": filters.words, "since": filters.since or "", "until": filters.until or "",
             "sort": filters.sort}
    return render(request, "reviews.html", title="准入审查", reviews=listing["reviews"], total=listing["total"],
                  state=state, states=STATES, page=page, pages=max(1, -(-listing["total"] // 50)), filters=filters,
                  query=lambda p=None: urlencode({**query, **({"page": p} if p else {})}))


@router.get("/reviews/export.xlsx")
def export_reviews(request: Request, user: SignedIn, filters: ReviewFilters,
                   state: Annotated[Optional[str], Query(max_length=20)] = None):
    """The reviews the list shows with these filters (every page, however many), as a spreadsheet."""
    state = state if state in STATES else None
    return xlsx_download(review_sheet(_work(request).reviews.matching(user, state, filters)), "准入审查.xlsx")


@router.get("/reviews/new", response_class=HTMLResponse)
def new_review_page(request: Request, user: SignedIn):
    if user.role not in ("admin", "town", "department"):
        raise reviews.Forbidden(f"{user.role_name}无权提交准入审查")
    return render(request, "review_new.html", title="提交准入审查", towns=_catalog(request).towns(), form={},
                  error=None, max_text=MAX_TEXT_CHARS, max_attachment=MAX_ATTACHMENT_CHARS)


@router.post("/reviews", response_class=HTMLResponse)
def submit_review(request: Request, user: SignedIn, csrf_token: Csrf = "",
                        text: Annotated[str, Form(max_length=MAX_TEXT_CHARS)] = "",
                        title: Annotated[str, Form(max_length=200)] = "",
                        issuing_department: Annotated[str, Form(max_length=128)] = "",
                        town: Annotated[str, Form(max_length=64)] = "",
                        deadline: Annotated[str, Form(max_length=10)] = "",
                        attachment_text: Annotated[str, Form(max_length=MAX_ATTACHMENT_CHARS)] = ""):
    check_csrf(request, csrf_token)
    form = {"text": text, "title": title, "issuing_department": issuing_department, "town": town,
            "deadline": deadline, "attachment_text": attachment_text}
    try:
        due = date.fromisoformat(deadline) if deadline.strip() else None
        created = _work(request).reviews.submit(user, reviews.Submission(town, issuing_department, text, title,
                                                                         attachment_text, due))
    except (ValueError, reviews.InvalidInput, reviews.NotFound) as exc:
        if isinstance(exc, reviews.Forbidden):
            raise
        message = str(exc) if isinstance(exc, (reviews.InvalidInput, reviews.NotFound)) else "办理期限应为日期，如 2026-12-31"
        return render(request, "review_new.html", status_code=422, title="提交准入审查", towns=_catalog(request).towns(),
                      form=form, error=message, max_text=MAX_TEXT_CHARS, max_attachment=MAX_ATTACHMENT_CHARS)
    return RedirectResponse(f"/reviews/{created['id']}", status_code=303)


def _review_context(request: Request, user, review_id: int) -> dict:
    review, may_decide = _work(request).reviews.one_with_rights(user, review_id)
    return {"title": f"准入审查 {review_id}", "review": review, "decisions": DECISIONS, "meanings": DECISION_MEANINGS,
            "approvals": APPROVALS, "may_decide": may_decide,
            "may_approve": user.role == "admin" and review["state"] == "awaiting_approval",
            "max_reason": MAX_REASON_CHARS, "error": None}


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review_page(request: Request, review_id: ReviewId, user: SignedIn):
    return render(request, "review.html", **_review_context(request, user, review_id))


@router.post("/reviews/{review_id}/decision", response_class=HTMLResponse)
def decide(request: Request, review_id: ReviewId, user: SignedIn, csrf_token: Csrf = "",
                 decision: Annotated[str, Form(max_length=16)] = "",
                 reason: Annotated[str, Form(max_length=MAX_REASON_CHARS)] = "",
                 cited_item: Annotated[str, Form(max_length=16)] = ""):
    check_csrf(request, csrf_token)
    try:
        _work(request).reviews.decide(user, review_id, decision, reason, cited_item or None)
    except (reviews.Conflict, reviews.Forbidden):
        raise
    except (reviews.InvalidInput, reviews.NotFound) as exc:
        return _review_with_error(request, user, review_id, str(exc))
    return RedirectResponse(f"/reviews/{review_id}", status_code=303)


@router.post("/reviews/{review_id}/approval", response_class=HTMLResponse)
def approve(request: Request, review_id: ReviewId, user: SignedIn, csrf_token: Csrf = "",
                  approved: Annotated[str, Form(max_length=8)] = "",
                  reason: Annotated[str, Form(max_length=MAX_REASON_CHARS)] = ""):
    check_csrf(request, csrf_token)
    if approved not in ("yes", "no"):
        raise ApiError(422, "invalid_input", "请选择批准或不予承接")
    try:
        _work(request).reviews.approve(user, review_id, approved == "yes", reason)
    except (reviews.Conflict, reviews.Forbidden):
        raise
    except reviews.InvalidInput as exc:
        return _review_with_error(request, user, review_id, str(exc))
    return RedirectResponse(f"/reviews/{review_id}", status_code=303)


def _review_with_error(request: Request, user, review_id: int, message: str):
    """The review page again, with the reason the decision was refused beside the form."""
    return render(request, "review.html", status_code=422, **{**_review_context(request, user, review_id),
                                                              "error": message})


@router.get("/reviews/{review_id}/opinion", response_class=HTMLResponse)
def opinion_page(request: Request, review_id: ReviewId, user: SignedIn):
    review = _work(request).reviews.one(user, review_id)
    opinion = review_opinion(review)
    return render(request, "opinion.html", title=opinion.title, opinion=opinion,
                  crumbs=[("准入审查", "/reviews"), (str(review["id"]), f"/reviews/{review['id']}")],
                  docx_url=f"/api/v1/reviews/{review['id']}/opinion.docx")


# -- monitor, audit, accounts ------------------------------------------------------------------------

@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(request: Request, user: SignedIn,
                       month: Annotated[Optional[str], Query(pattern=r"^(\d{4}-\d{2})?$")] = None):
    data = _work(request).reviews.monitor(user, month or None)
    return render(request, "monitor.html", title="准入监测", data=data, month=month or "")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: SignedIn, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                     action: Annotated[Optional[str], Query(max_length=32)] = None, verify: bool = False):
    action = action if action in ACTIONS else None
    log = _work(request).audit.page(user, 100, page, action)
    chain = _work(request).audit.verify(user) if verify else None
    return render(request, "audit.html", title="审计日志", entries=log["entries"], total=log["total"], page=page,
                  actions=ACTIONS, action=action, chain=chain)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: SignedIn):
    people = _work(request).accounts.users(user)
    return render(request, "users.html", title="账号", people=people, roles=accounts.ROLES,
                  locked=_work(request).accounts.locked(user),
                  towns=_catalog(request).towns(), error=None, tokens=_work(request).accounts.tokens(user),
                  password_rule=accounts.PASSWORD_RULE)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_page(request: Request, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], user: SignedIn,
                      csrf_token: Csrf = ""):
    accounts.require_admin(user)
    check_csrf(request, csrf_token)
    _work(request).accounts.revoke_token(user, token_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, user: SignedIn, csrf_token: Csrf = "",
                   username: Annotated[str, Form(max_length=64)] = "",
                   password: Annotated[str, Form(max_length=256)] = "",
                   role: Annotated[str, Form(max_length=16)] = "",
                   town: Annotated[str, Form(max_length=64)] = "",
                   department: Annotated[str, Form(max_length=128)] = "",
                   display_name: Annotated[str, Form(max_length=64)] = ""):
    accounts.require_admin(user)
    check_csrf(request, csrf_token)
    desk = _work(request).accounts
    try:
        desk.add(user, username, password, role, town or None, department or None, display_name)
    except (accounts.InvalidInput, accounts.Conflict, accounts.NotFound) as exc:  # the form again, with the reason
        people = desk.users(user)
        return render(request, "users.html", status_code=exc.status, title="账号", people=people, roles=accounts.ROLES,
                      towns=_catalog(request).towns(), error=str(exc), locked=desk.locked(user), tokens=desk.tokens(user),
                      password_rule=accounts.PASSWORD_RULE)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/active")
def toggle_user(request: Request, username: Annotated[str, Path(max_length=64)], user: SignedIn,
                      csrf_token: Csrf = "", active: Annotated[str, Form(max_length=8)] = ""):
    accounts.require_admin(user)
    check_csrf(request, csrf_token)
    _work(request).accounts.set_active(user, username, active == "yes")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/unlock")
def unlock_user(request: Request, username: Annotated[str, Path(max_length=64)], user: SignedIn, csrf_token: Csrf = ""):
    accounts.require_admin(user, "解除账号锁定")
    check_csrf(request, csrf_token)
    _work(request).accounts.unlock(user, username)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: SignedIn, done: Annotated[Optional[str], Query(max_length=4)] = None):
    return render(request, "account.html", title="我的账号", done=bool(done), error=None,
                  min_chars=accounts.MIN_PASSWORD_CHARS)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, user: SignedIn, csrf_token: Csrf = "",
                    old: Annotated[str, Form(max_length=256)] = "", new: Annotated[str, Form(max_length=256)] = ""):
    check_csrf(request, csrf_token)
    try:
        _work(request).accounts.change_own_password(user, old, new)
    except accounts.InvalidInput as exc:
        return render(request, "account.html", status_code=422, title="我的账号", done=False, error=str(exc),
                      min_chars=accounts.MIN_PASSWORD_CHARS)
    response = RedirectResponse("/login?next=/account", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
