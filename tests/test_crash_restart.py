"""A server killed with kill -9 in the middle of a big web import leaves nothing behind: no process keeps running
or holds the port, a new server starts on the same port, and the database holds the import whole or not at all.

The import is big enough (2,400 distinct texts) that its suggestions are computed by worker processes forked from
the server; with `--workers 2` the master is killed, and its workers must end too."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from lvzhi.dispatch.batch import PARALLEL_FROM
from lvzhi.store import Store
from lvzhi.store.schema import TicketRow

from helpers import lvzhi
from processes import alive, descendants, port_holders, serve, stop
from webserver import free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="读取 /proc：只在 Linux 上运行")

TICKETS = 2_400
PLACES = ["幸福小区", "珞璜老街", "园区三路", "中坝村", "马宗村", "新城花园", "滨江路", "工业园区"]
TROUBLES = ["消防通道堆满杂物", "路灯坏了好几天", "垃圾没人清运", "商铺占道经营", "夜间施工噪声扰民", "下水道堵塞",
            "村道上有人骑摩托车不戴头盔", "KTV 接待未成年人"]


def _ticket_file() -> bytes:
    lines = ["id,text"] + [f"K{n:05d},{PLACES[n % 8]}{n // 64 + 1}号附近{TROUBLES[(n // 8) % 8]}，第{n}次反映"
                           for n in range(TICKETS)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _upload(port: int, token: str, content: bytes, outcome: dict) -> None:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"tickets.csv\"\r\n"
            f"content-type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tickets/import", data=body, headers={
        "content-type": f"multipart/form-data; boundary={boundary}", "authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            outcome["status"] = response.status
    except urllib.error.HTTPError as exc:
        outcome["status"] = exc.code
    except OSError as exc:  # the server was killed under the request
        outcome["error"] = exc


def _healthz(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
        return json.loads(response.read())


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("kind,workers", [("sqlite", 1), ("sqlite", 2), ("postgresql", 1), ("postgresql", 2)])
def test_kill_9_during_a_big_web_import_leaves_no_process_and_the_port_free(tmp_path, kind, workers):
    from conftest import fresh_database

    assert TICKETS >= PARALLEL_FROM  # the worker processes are in use
    with fresh_database(kind, tmp_path) as database:
        assert lvzhi(database, "user", "add", "disp", "--role", "dispatcher", "--password", "disp-pass-1").returncode == 0
        token = lvzhi(database, "user", "token", "disp", "--name", "测试").stdout.strip().splitlines()[-1]
        port = free_port()
        server = serve(database, port, workers)
        before = descendants(server.pid)  # the web workers (with --workers 2) and nothing else
        seen: set[int] = set()
        try:
            outcome: dict = {}
            upload = threading.Thread(target=_upload, args=(port, token, _ticket_file(), outcome), daemon=True)
            upload.start()

            def pool_running() -> bool:
                seen.update(descendants(server.pid))
                return len(seen - before) >= 2 or not upload.is_alive()

            assert _wait_until(pool_running, 300)
            assert upload.is_alive(), f"the import ended before its worker processes were seen: {outcome}"
            # the batch workers hold no copy of the listening socket: only the server (and its web workers) do
            assert port_holders(port) <= {server.pid} | before
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
            # every process the server started ends: the web workers finish what they answer, the batch workers die
            assert _wait_until(lambda: not alive(seen), 180), f"still running after kill -9: {alive(seen)}"
            assert port_holders(port) == set()
            upload.join(timeout=60)
        finally:
            stop(server, seen)

        again = serve(database, port, workers)  # the same port
        started = descendants(again.pid)
        try:
            assert _healthz(port)["status"] == "ok"
        finally:
            again.terminate()
            again.wait(timeout=60)
            stop(again, started)
        store = Store(database)
        try:
            with store.transaction() as session:
                count = session.scalar(select(func.count()).select_from(TicketRow))
            assert count in (0, TICKETS), f"{count} tickets: the import was half written"
            assert lvzhi(database, "audit", "--verify").returncode == 0
        finally:
            store.close()


CHILD = """
import os, sys, time
from lvzhi.processes import forked_pool

def nap(_):
    time.sleep(3600)

with forked_pool(2) as pool:
    pool.map_async(nap, range(2))
    time.sleep(1)
    print(" ".join(str(p.pid) for p in pool._pool), flush=True)
    time.sleep(3600)
"""


def test_batch_workers_die_with_the_process_that_started_them():
    """Workers busy with an hour-long task end when their parent is killed, not an hour later."""
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    workers = set()
    try:
        workers = {int(pid) for pid in parent.stdout.readline().split()}
        assert len(workers) == 2 and alive(workers) == workers
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        assert _wait_until(lambda: not alive(workers), 60), f"orphaned workers still running: {alive(workers)}"
    finally:
        stop(parent, workers)
