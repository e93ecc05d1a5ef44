"""The review and account commands, and what a server killed in the middle of many decisions leaves behind."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
from sqlalchemy import select

from lvzhi.store import Store
from lvzhi.store.schema import AuditRow, ReviewRow

from helpers import lvzhi
from webserver import free_port


def test_review_command_proposes_the_five_decisions(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    cases = [("请各镇对辖区内所有托育机构开展一次全面检查", "区卫健委", "return", ["R8"]),
             ("将医保码签发任务完成情况纳入对各镇街的年度考核", "区医保局", "abolished", ["R18"]),
             ("请镇里组织一次无偿献血活动", "区卫生健康委", "cooperate", ["C39"]),
             ("请镇里做好最低生活保障对象的审核和动态管理工作", "区民政局", "admit", ["B51"]),
             ("请各镇于本周内完成辖区内所有外卖骑手的电动车头盔发放", "区交通运输委", "unlisted", [])]
    for text, department, kind, codes in cases:
        result = lvzhi(database, "review", text, "--from", department, "--format", "json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert (data["kind"], [c["code"] for c in data["cited_items"]]) == (kind, codes), text
    printed = lvzhi(database, "review", "请镇里组织一次无偿献血活动", "--from", "区卫生健康委").stdout
    assert "配合准入" in printed and "参与献血宣传活动" in printed
    unknown = lvzhi(database, "review", "检查", "--from", "区不存在局")
    assert unknown.returncode == 1 and "没有名为“区不存在局”的部门" in unknown.stderr


def test_user_commands_and_audit_export(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    assert lvzhi(database, "user", "add", "boss", "--role", "admin", "--password", "admin-pass-1").returncode == 0
    no_town = lvzhi(database, "user", "add", "clerk", "--role", "town", "--password", "clerk-pass-1")
    assert no_town.returncode == 1 and "必须绑定一个镇街" in no_town.stderr
    short = lvzhi(database, "user", "add", "clerk", "--role", "town", "--town", "珞璜镇", "--password", "short")
    assert short.returncode == 1 and "至少 8 个字符" in short.stderr
    assert lvzhi(database, "user", "add", "clerk", "--role", "town", "--town", "珞璜镇", "--password", "clerk-pass-1",
                 "--name", "李主任").returncode == 0
    assert lvzhi(database, "user", "add", "clerk", "--role", "admin", "--password", "x" * 9).returncode == 1
    assert lvzhi(database, "user", "set-role", "clerk", "department", "--department", "应急局").returncode == 0
    token = lvzhi(database, "user", "token", "clerk").stdout.strip().splitlines()[-1]
    assert token.startswith("lvz_")
    assert lvzhi(database, "user", "disable", "clerk").returncode == 0
    people = {p["username"]: p for p in json.loads(lvzhi(database, "user", "list", "--format", "json").stdout)}
    assert people["clerk"]["department"] == "区应急管理局" and people["clerk"]["active"] is False
    exported = tmp_path / "audit.csv"
    assert lvzhi(database, "audit", "--format", "csv", "--output", str(exported)).returncode == 0
    import csv
    rows = list(csv.reader(exported.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1 + 5 and "停用账号" in rows[1] and "新增账号" in rows[-1]
    # each change reads as labelled Chinese fields, not JSON escapes
    assert rows[0][7] == "改动" and "启用：是 → 否" in rows[1][7] and "\\u" not in exported.read_text(encoding="utf-8-sig")
    shown = lvzhi(database, "audit").stdout
    assert "启用：是 → 否" in shown and "部门：区应急管理局" in shown


def _start(database: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "lvzhi", "serve", "--database", database, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except OSError:
            time.sleep(0.1)
            continue
        try:  # the server answers at once and loads the town's resolver in the background: wait for it
            urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/resolve", data=json.dumps({"text": "托育机构检查"}).encode(),
                headers={"content-type": "application/json"}), timeout=60)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not start")


def _post(port: int, token: str, path: str, body: dict) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_server_killed_mid_request_leaves_every_review_whole(tmp_path, kind):
    from conftest import fresh_database

    with fresh_database(kind, tmp_path) as database:
        lvzhi(database, "user", "add", "clerk", "--role", "town", "--town", "珞璜镇", "--password", "clerk-pass-1")
        token = lvzhi(database, "user", "token", "clerk").stdout.strip().splitlines()[-1]
        port = free_port()
        server = _start(database, port)
        stop = threading.Event()

        def traffic():
            while not stop.is_set():
                try:
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{port}/api/v1/reviews", data=json.dumps(
                            {"text": "请各镇对辖区内所有托育机构开展一次全面检查", "issuing_department": "区卫生健康委"}).encode(),
                        headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
                    with urllib.request.urlopen(request, timeout=5) as response:
                        created = json.loads(response.read())
                    _post(port, token, f"/api/v1/reviews/{created['id']}/decision", {"decision": "return"})
                except (OSError, ValueError):
                    return

        workers = [threading.Thread(target=traffic) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1.5)
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for worker in workers:
            worker.join(timeout=10)

        store = Store(database)
        with store.transaction() as session:
            reviews = session.scalars(select(ReviewRow)).all()
            audit = Counter((row.action, row.object_id) for row in session.scalars(select(AuditRow)))
        store.close()
        assert len(reviews) > 3, "the server handled some requests before it was killed"
        for review in reviews:
            assert audit[("review.submit", str(review.id))] == 1
            assert audit[("review.decide", str(review.id))] == (1 if review.decision else 0)
            assert (review.state == "pending") == (review.decision is None)
        assert {object_id for (action, object_id) in audit if action.startswith("review.")} == {str(r.id) for r in reviews}

        restarted = _start(database, port)
        try:
            assert _post(port, token, "/api/v1/reviews", {"text": "请镇里组织一次无偿献血活动",
                                                          "issuing_department": "区卫生健康委"}) == 201
        finally:
            restarted.terminate()
            restarted.wait(timeout=20)
