"""Who is asking: an API token (Authorization: Bearer …) or a browser session cookie with a CSRF token."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from ..work.accounts import User, session_user, token_user
from ..lists.catalog import Catalog
from .errors import ApiError, LoginRequired

SESSION_COOKIE = "lvzhi_session"
CSRF_HEADER = "x-csrf-token"


def _catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def identify(request: Request) -> User | None:
    """The user behind the request, looked up once per request (None for the public)."""
    if hasattr(request.state, "user"):
        return request.state.user
    user, csrf, via_cookie = None, None, False
    header = request.headers.get("authorization", "")
    store = _catalog(request).store
    if header.lower().startswith("bearer "):
        with store.transaction() as session:
            user = token_user(session, header[7:].strip())
        if user is None:
            raise ApiError(401, "bad_token", "API 令牌无效、已吊销或其账号已停用")
    elif request.cookies.get(SESSION_COOKIE):
        with store.transaction() as session:
            found = session_user(session, request.cookies[SESSION_COOKIE])
        if found:
            user, csrf = found
            via_cookie = True
    request.state.user, request.state.csrf, request.state.via_cookie = user, csrf, via_cookie
    return user


def viewer(request: Request) -> User | None:
    return identify(request)


def page_viewer(request: Request) -> User | None:
    """Who reads a page: a bad API token on a page request reads it as the public does."""
    try:
        return identify(request)
    except ApiError:
        return None


def signed_in(request: Request) -> User:
    user = identify(request)
    if user is None:
        raise LoginRequired()
    return user


def check_csrf(request: Request, submitted: str | None) -> None:
    """A browser-session request that changes something must carry the session's CSRF token."""
    if not getattr(request.state, "via_cookie", False):
        return
    expected = request.state.csrf or ""
    given = submitted or request.headers.get(CSRF_HEADER, "")
    if not given or not hmac.compare_digest(expected, given):
        raise ApiError(403, "csrf_failed", "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


Viewer = Annotated[User | None, Depends(viewer)]
SignedIn = Annotated[User, Depends(signed_in)]
