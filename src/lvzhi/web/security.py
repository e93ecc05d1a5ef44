"""Limits and headers every response of a public site needs, as plain ASGI middleware (cheap per request)."""
from __future__ import annotations

import json

MAX_BODY_BYTES = 2 * 1024 * 1024
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


class TooLarge(Exception):
    pass


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
                                      (b"content-security-policy", policy)]
            await send(message)

        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_with_headers(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except TooLarge:
            if not started:
                await _send_error(send, *_body_too_large())


def _body_too_large() -> tuple[int, str, str]:
    return 413, "body_too_large", f"请求体过大：最多 {MAX_BODY_BYTES // 1024 // 1024} MB"


def _refusal(scope) -> tuple[int, str, str] | None:
    if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
        return 414, "query_too_long", f"查询参数过长：最多 {MAX_QUERY_BYTES} 字节，请缩短检索词或改用 POST"
    if len(scope.get("raw_path") or scope["path"].encode()) > MAX_PATH_BYTES:
        return 414, "path_too_long", f"网址过长：最多 {MAX_PATH_BYTES} 字节"
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return 400, "bad_content_length", "请求头 Content-Length 不是数字"
            if length > MAX_BODY_BYTES:
                return _body_too_large()
    return None


async def _send_error(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *COMMON_HEADERS,
                            (b"content-security-policy", CSP.encode())]})
    await send({"type": "http.response.body", "body": body})
