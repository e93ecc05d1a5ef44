"""The OpenAPI schema told as the API behaves, so that clients generated from it work.

* Every error any route can answer is declared with the one error body (`ErrorBody`): the statuses follow from what
  the route takes and who it lets in (see `statuses`), plus what a route declares itself (e.g. 429 where limited).
* File downloads declare their own content types (`downloads`), not JSON.
* Request bodies take only what their schema says (`StrictBody` and the types below): no unknown fields, no `0`
  for `false`, no `"1"` for `1`, no number for a date.
* Query values that FastAPI would read leniently (`?overdue=1`, `?until=0` as 1970-01-01) take only the form the
  schema names (`QueryBool`, `IsoDate`).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Iterator, Optional

from fastapi.routing import APIRoute
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from .auth import signed_in, viewer
from .routing import api_routes

FILE_TYPES = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "atom": "application/atom+xml; charset=utf-8"}


class StrictBody(BaseModel):
    """A JSON request body as its schema says: unknown fields refused. (Not pydantic's strict mode: FastAPI
    validates the parsed JSON, where strict mode would refuse a date written as text and the integer 3.0.)"""

    model_config = ConfigDict(extra="forbid")


def _no_null_defaults(schema: dict) -> None:
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None:
            del field["default"]


class PatchBody(StrictBody):
    """A PATCH body: each field may be left out (it stays as it is), none takes null — declare the fields with
    their plain type and a default of None; the schema then names no null anywhere."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_defaults)


class ErrorDetail(BaseModel):
    where: str = Field(..., description="出错的位置，如“请求体 requests[0].text”")
    problem: str = Field(..., description="问题，如“缺少必填项”")


class ErrorInfo(BaseModel):
    code: str = Field(..., description="机器可读的错误码，如 not_found、invalid_input、rate_limited")
    message: str = Field(..., description="中文说明：什么有误、在哪里")
    details: Optional[list[ErrorDetail]] = Field(None, description="输入有误（422）时逐项说明")


class ErrorBody(BaseModel):
    """所有错误的统一格式。"""

    error: ErrorInfo


ERROR_MEANINGS = {
    400: "请求无法解析：不是 UTF-8 编码的有效 JSON、含 NUL 字符，或请求头 Content-Length 不是数字",
    401: "未登录，或 API 令牌无效、已过期、已吊销",
    403: "无权操作：角色或所属镇街、部门不符，或 CSRF 校验失败",
    404: "要找的镇街、版本、事项、部门、账号、审查、工单或申请不存在",
    409: "状态已变：已被他人处理、已存在或当前状态不允许这一步",
    413: "请求体过大（JSON 最多 2 MB，上传文件最多 20 MB）",
    414: "网址或查询参数过长（网址最多 1 KB，查询参数最多 4 KB）",
    422: "输入有误：error.message 说明什么有误、在哪里，error.details 逐项列出",
    429: "请求过于频繁或用量超限（按客户端计），Retry-After 秒后再试",
    503: "数据库忙或不可用，Retry-After 秒后再试",
}
RETRY_AFTER = {"Retry-After": {"description": "多少秒后可以再试", "required": True, "schema": {"type": "integer"}}}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def downloads(*formats: str) -> dict[str, Any]:
    """Route options for a file download: its content types in the schema, no JSON encoding of the answer."""
    content = {FILE_TYPES[f].split(";")[0]: ({"schema": {"type": "object"}} if f == "json" else
                                             {"schema": {"type": "string", "format": "binary"}}) for f in formats}
    return {"response_class": Response, "responses": {200: {"description": "文件", "content": content}}}


def limited() -> dict[str, Any]:
    """Route options for an endpoint under the per-client rate and cost limits."""
    return {"responses": {429: {}}}


def _strict_bool(value):
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("应为 true 或 false")


def _date_text(value):
    if isinstance(value, date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("应为日期（如 2025-01-01）")


def _datetime_text(value):
    if isinstance(value, datetime) or isinstance(value, str):
        return value
    raise ValueError("应为日期时间（如 2026-11-29T09:30:00）")


def _whole_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError("应为整数")
    return int(value)


QueryBool = Annotated[bool, BeforeValidator(_strict_bool)]
IsoDate = Annotated[date, BeforeValidator(_date_text)]
IsoDateTime = Annotated[datetime, BeforeValidator(_datetime_text)]
JsonInt = Annotated[int, BeforeValidator(_whole_number)]
JsonBool = StrictBool


# -- the schema ------------------------------------------------------------------------------------

def _calls(dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def statuses(route: APIRoute) -> set[int]:
    """The error statuses a route can answer.

    Any request can be unparseable (400), too long (414), invalid (422) or meet a busy database (503); a body can be
    too large (413). Input that names something can name what does not exist (404). A route that looks at who is
    asking refuses a bad token (401); one that needs a login also refuses the wrong role or scope (403), and its
    changes can find the state moved on (409)."""
    calls = set(_calls(route.dependant))
    found = {400, 414, 422, 503}
    methods = route.methods or set()
    if methods & WRITES:
        found.add(413)
    if route.dependant.path_params or route.dependant.query_params or route.dependant.body_params:
        found.add(404)
    if viewer in calls or signed_in in calls:
        found.add(401)
    if signed_in in calls:
        found |= {403, 404}
        if methods & WRITES:
            found.add(409)
    return found


def _error_response(status: int) -> dict:
    response = {"description": ERROR_MEANINGS[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def build(app) -> dict:
    """The app's OpenAPI document with the error statuses and the one error body filled in."""
    spec = type(app).openapi(app)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components.update({name: schema for name, schema in ErrorBody.model_json_schema(
        ref_template="#/components/schemas/{model}").pop("$defs").items()})
    components["ErrorBody"] = {k: v for k, v in ErrorBody.model_json_schema(
        ref_template="#/components/schemas/{model}").items() if k != "$defs"}
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for route in api_routes(app.routes):
        if not route.include_in_schema:
            continue
        path = spec["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = path.get(method.lower())
            if operation is None:
                continue
            wanted = statuses(route) | {int(s) for s in route.responses if str(s).isdigit() and int(s) >= 400}
            answers = operation.setdefault("responses", {})
            for status in sorted(wanted):
                answers[str(status)] = _error_response(status)
            operation["responses"] = dict(sorted(answers.items()))
    return spec


def install(app) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi
