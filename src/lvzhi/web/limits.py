"""Who a request counts against in the rate and cost limits (lvzhi.work.limits), and the charge itself."""
from __future__ import annotations

from fastapi import Request

from ..work.limits import Limiter, text_cost
from .auth import identify


def client_of(request: Request) -> tuple[str, bool]:
    """The client key and whether it is signed in: the account for a token or a browser login, else the IP
    address (behind a reverse proxy, run uvicorn with --proxy-headers so that this is the real client's)."""
    user = identify(request)
    if user is not None:
        return f"user:{user.id}", True
    return f"ip:{request.client.host if request.client else 'unknown'}", False


def charge(request: Request, *texts: str | None, batch: int | None = None) -> None:
    """Counts the request and the characters of its texts; a batch of `batch` texts is checked for its size first."""
    limiter: Limiter = request.app.state.limiter
    if not limiter.limits.enabled:
        return
    client, signed_in = client_of(request)
    if batch is not None:
        limiter.check_batch(batch, signed_in)
    limiter.charge(client, signed_in, text_cost(*texts) if texts else 0)


def charge_login(request: Request) -> None:
    """One sign-in attempt from this IP address (the per-account lockout counts failures on its own)."""
    limiter: Limiter = request.app.state.limiter
    limiter.charge(f"ip:{request.client.host if request.client else 'unknown'}", False, login=True)
