"""A real lvzhi server on a free local port, for browser tests and scripts."""
from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import urllib.error
import urllib.request

import uvicorn

from lvzhi.work import accounts
from lvzhi.work.audit import Actor
from lvzhi.lists.bundled import ensure_bundled
from lvzhi.store import Store
from lvzhi.web import create_app

CHROMIUM = "/usr/bin/chromium"


def database_with_people(database: Path | str, people: list[tuple[str, str, str | None, str | None, str]],
                         password: str) -> None:
    """A database with the bundled lists and accounts (username, role, town, department, display name)."""
    store = Store(str(database))
    ensure_bundled(store)
    with store.transaction() as session:
        for name, role, town, department, display in people:
            accounts.add_user(session, Actor.command_line(), name, password, role, town, department, display)
    store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(database: Path | str) -> Iterator[str]:
    """Serves the app in a background thread; yields its base URL and stops it afterwards."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(database=str(database)), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):  # not listening yet, or too busy to answer within the second
            time.sleep(0.05)
    else:
        raise RuntimeError("lvzhi server did not start within 30 s")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def signed_in_page(browser, base_url: str, username: str, password: str, start: str = "/login", width: int = 1280):
    """A browser context and page signed in as `username`: opens `start` (a protected page sends the browser to
    the login form), logs in, and waits to be back on `start` (or, from the login page, for the landing page)."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(start)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if start == "/login":
        page.wait_for_load_state()
    else:
        page.wait_for_url(re.compile(re.escape(start) + "$"))
    return context, page
