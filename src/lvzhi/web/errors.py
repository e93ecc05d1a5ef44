"""Errors as clients see them: JSON with a code and a Chinese message under /api, a Chinese page elsewhere."""
from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ApiError, LoginRequired, LvzhiError
from .routing import allowed_methods

log = logging.getLogger("lvzhi.web")

PLACES = {"body": "请求体", "query": "查询参数", "path": "网址中的", "header": "请求头"}
STATUS_CODES = {400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found", 409: "conflict",
                429: "too_many_attempts", 405: "method_not_allowed", 413: "body_too_large",
                414: "query_too_long", 415: "unsupported_media_type", 422: "invalid_input", 500: "server_error"}
STATUS_MESSAGES = {400: "请求体无法解析：请发送 UTF-8 编码的有效 JSON", 404: "没有这个页面或资源", 405: "不支持这种请求方法", 500: "服务器内部错误，已记录，请稍后再试"}


def _place(loc: tuple) -> str:
    where, *rest = loc or ("body",)
    path = ""
    for part in rest:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{PLACES.get(str(where), str(where))}{' ' + path if path else ''}"


def _choices(expected: str) -> str:
    """pydantic's "'add', 'change' or 'move'" as Chinese lists it: add、change、move."""
    return "、".join(part.strip().strip("'\"") for part in re.split(r",| or ", expected) if part.strip())


def _explain(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    messages = {
        "missing": "缺少必填项",
        "json_invalid": "不是有效的 JSON",
        "string_type": "应为文字",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "bool_parsing": "应为 true 或 false",
        "list_type": "应为列表",
        "dict_type": "应为 JSON 对象",
        "model_attributes_type": "应为 JSON 对象",
        "model_type": "应为 JSON 对象",
        "string_too_long": f"过长：最多 {ctx.get('max_length')} 字",
        "string_too_short": "不能为空" if ctx.get("min_length") == 1 else f"过短：至少 {ctx.get('min_length')} 字",
        "too_long": f"条目过多：最多 {ctx.get('max_length')} 条",
        "too_short": f"条目过少：至少 {ctx.get('min_length')} 条",
        "greater_than_equal": f"应不小于 {ctx.get('ge')}",
        "less_than_equal": f"应不大于 {ctx.get('le')}",
        "literal_error": f"取值只能是 {_choices(str(ctx.get('expected', '')))}",
        "enum": f"取值只能是 {_choices(str(ctx.get('expected', '')))}",
        "extra_forbidden": "不认识的字段",
        "value_error": str(ctx.get("error", "取值无效")),
        "date_from_datetime_parsing": "应为日期（如 2025-01-01）",
        "date_parsing": "应为日期（如 2025-01-01）",
    }
    return messages.get(kind, "取值无效")


def validation_message(exc: RequestValidationError) -> str:
    return "；".join(f"{_place(tuple(e.get('loc', ())))}：{_explain(e)}" for e in exc.errors()[:5])


def error_body(code: str, message: str, details: list | None = None) -> dict:
    body: dict = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return body


def is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/open311/"))


def install(app, render_page) -> None:
    """Registers the handlers; render_page(request, status, title, message) draws the HTML error page."""

    def respond(request: Request, status: int, code: str, message: str, details: list | None = None) -> Response:
        if is_api(request):
            return JSONResponse(error_body(code, message, details), status_code=status)
        return render_page(request, status, message)

    @app.exception_handler(LvzhiError)
    async def known_error(request: Request, exc: LvzhiError):
        response = respond(request, exc.status, exc.code, str(exc))
        if exc.status in (429, 503):
            response.headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 5)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if is_api(request):
            return JSONResponse(error_body("login_required", "请先登录，或在请求头中提供 API 令牌"), status_code=401)
        return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        details = [{"where": _place(tuple(e.get("loc", ()))), "problem": _explain(e)} for e in exc.errors()[:20]]
        return respond(request, 422, "invalid_input", validation_message(exc), details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else \
            STATUS_MESSAGES.get(exc.status_code, "请求无法处理")
        response = respond(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), message)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # every method served at this path, not only the first route's
            response.headers["Allow"] = ", ".join(allowed_methods(app.routes, request.url.path))
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return respond(request, 500, "server_error", STATUS_MESSAGES[500])
