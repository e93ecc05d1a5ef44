"""Limits and headers every response of a public site needs, as plain ASGI middleware (cheap per request)."""
from __future__ import annotations

import json
import os

MAX_BODY_BYTES = 2 * 1024 * 1024
# A day's tickets exported from a hotline platform is a larger file than any form or JSON body.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_PATHS = ("/api/v1/tickets/import", "/tickets/import", "/admin/import/preview")
MAX_QUERY_BYTES = 4 * 1024
MAX_PATH_BYTES = 1024

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI starts itself from an inline script; only the API documentation pages allow that.
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")

COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


# NUL has no place in any text lvzhi takes, and PostgreSQL refuses it in strings: stop it at the door, in
# the form that means NUL where it is: raw anywhere, percent-encoded in URLs and form bodies, JSON-escaped in
# JSON. Elsewhere "%00" is text (a JSON string "增长 100%00" is not a NUL) and passes.
URL_NUL = (b"\x00", b"%00")
JSON_NUL = (b"\x00", b"\\u0000")
NUL_MESSAGE = (400, "nul_character", "请求中含有不允许的空字符（NUL，\\u0000），请删去后重试")
HSTS_ENV = "LVZHI_HSTS_SECONDS"


def _has_nul(data: bytes, forms: tuple[bytes, ...] = URL_NUL) -> bool:
    lowered = data.lower()
    return any(form in lowered for form in forms)


def _body_nul_forms(scope) -> tuple[bytes, ...]:
    kind = next((v.lower() for n, v in scope.get("headers", []) if n == b"content-type"), b"")
    return URL_NUL if kind.startswith(b"application/x-www-form-urlencoded") else JSON_NUL


def _hsts(scope) -> list[tuple[bytes, bytes]]:
    """Strict-Transport-Security when the operator asks for it (LVZHI_HSTS_SECONDS) and the request came over
    HTTPS (directly or through a proxy saying X-Forwarded-Proto: https); never on plain HTTP."""
    seconds = os.environ.get(HSTS_ENV, "").strip()
    if not seconds.isdigit() or int(seconds) <= 0:
        return []
    forwarded = next((v for n, v in scope.get("headers", []) if n == b"x-forwarded-proto"), b"")
    if scope.get("scheme") != "https" and forwarded.split(b",")[0].strip().lower() != b"https":
        return []
    return [(b"strict-transport-security", f"max-age={int(seconds)}; includeSubDomains".encode())]


class SecurityMiddleware:
    """Refuses oversized requests before the app reads them and adds the security headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _refusal(scope)
        if refusal:
            await _send_error(send, *refusal)
            return
        policy = (DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else CSP).encode()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *COMMON_HEADERS,
                                      (b"content-security-policy", policy), *_hsts(scope)]
            await send(message)

        if scope["method"] in ("POST", "PUT", "PATCH"):
            limit = MAX_UPLOAD_BYTES if scope["path"] in UPLOAD_PATHS else MAX_BODY_BYTES
            multipart = any(name == b"content-type" and value.lower().startswith(b"multipart/")
                            for name, value in scope.get("headers", []))
            body, refusal = await _read_body(receive, limit, None if multipart else _body_nul_forms(scope))
            if refusal:
                await _send_error(send, *refusal)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send_with_headers)


async def _read_body(receive, limit: int, nul_forms) -> tuple[bytes, tuple[int, str, str] | None]:
    """The whole request body (at most `limit` bytes), checked before the app parses any of it.
    Uploaded files (multipart) may be binary; their rows are checked when they are read."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", _body_too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, (NUL_MESSAGE if nul_forms and _has_nul(body, nul_forms) else None)


def _replay(body: bytes, original):
    """Gives the app the body already read; after that, the real channel (for disconnects)."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _body_too_large(limit: int = MAX_BODY_BYTES) -> tuple[int, str, str]:
    return 413, "body_too_large", f"请求体过大：最多 {limit // 1024 // 1024} MB"


def _refusal(scope) -> tuple[int, str, str] | None:
    if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
        return 414, "query_too_long", f"查询参数过长：最多 {MAX_QUERY_BYTES} 字节，请缩短检索词或改用 POST"
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if len(raw_path) > MAX_PATH_BYTES:
        return 414, "path_too_long", f"网址过长：最多 {MAX_PATH_BYTES} 字节"
    if _has_nul(raw_path) or _has_nul(scope.get("query_string", b"")):
        return NUL_MESSAGE
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return 400, "bad_content_length", "请求头 Content-Length 不是数字"
            limit = MAX_UPLOAD_BYTES if scope["path"] in UPLOAD_PATHS else MAX_BODY_BYTES
            if length > limit:
                return _body_too_large(limit)
    return None


async def _send_error(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *COMMON_HEADERS,
                            (b"content-security-policy", CSP.encode())]})
    await send({"type": "http.response.body", "body": body})
