"""A real lvzhi server on a free local port, for browser tests and scripts."""
from __future__ import annotations

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
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):  # refused, reset, or slow to answer on a busy machine
            time.sleep(0.05)
    else:
        raise RuntimeError("lvzhi server did not start within 30 s")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
