"""The organisation, ledger and assessment check over HTTP: the role matrix, uploads with row errors, exports,
the CLI, and that no input gives a 500."""
from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lvzhi.store import Store
from lvzhi.web import create_app

from assessment_scheme import scheme_indicators, scheme_xlsx, sheet_bytes
from helpers import lvzhi
from sample_lists import add_people

TOWN = "珞璜镇"
PEOPLE = {"admin": ("admin", None, None), "town": ("town", TOWN, None), "health": ("department", None, "区卫健委"),
          "insurance": ("department", None, "区医保局"), "dispatcher": ("dispatcher", None, None)}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('ledger-api') / 'lvzhi.db'}"
    store = Store(url)
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        tokens = add_people(store, PEOPLE, "lvzhi-test-pw")
        yield client, tokens, url
    store.close()


def call(env, who, method, url, **kwargs):
    client, tokens, _ = env
    return client.request(method, url, headers={"authorization": f"Bearer {tokens[who]}"} if who else {}, **kwargs)


def test_role_matrix(env):
    org = f"/api/v1/towns/{TOWN}/organisation"
    assert call(env, None, "GET", org).status_code == 401
    assert call(env, "town", "GET", org).status_code == 200
    assert call(env, "admin", "GET", org).status_code == 200
    for who in ("health", "dispatcher"):
        assert call(env, who, "GET", org).status_code == 403
        assert call(env, who, "GET", f"/api/v1/towns/{TOWN}/ledger").status_code == 403
        assert call(env, who, "POST", f"/api/v1/towns/{TOWN}/offices", json={"name": "x"}).status_code == 403
    assert call(env, "town", "POST", f"/api/v1/towns/{TOWN}/offices", json={"name": "党政办公室"}).status_code == 201
    made = call(env, "town", "POST", f"/api/v1/towns/{TOWN}/assignments", json={"code": "b1", "lead": "党政办公室"})
    assert made.status_code == 200 and made.json()["code"] == "B1"
    upload = {"file": ("方案.xlsx", scheme_xlsx(scheme_indicators()))}
    assert call(env, "town", "POST", "/api/v1/schemes", files=upload, data={"town": TOWN, "year": "2026"}).status_code == 403
    scheme = call(env, "admin", "POST", "/api/v1/schemes", files=upload, data={"town": TOWN, "year": "2026"})
    assert scheme.status_code == 201, scheme.text
    sid = scheme.json()["id"]
    mine = call(env, "insurance", "GET", f"/api/v1/schemes/{sid}").json()
    assert {i["department"] for i in mine["indicators"]} == {"区医保局"}
    r18 = next(i for i in mine["indicators"] if i["code"] == "R18")
    assert call(env, "insurance", "POST", f"/api/v1/indicators/{r18['id']}/confirm", json={}).status_code == 403
    assert call(env, "town", "POST", f"/api/v1/indicators/{r18['id']}/confirm", json={}).json()["flag"] == "abolished"
    assert call(env, "health", "GET", f"/api/v1/schemes/{sid}").status_code in (200, 404)
    assert call(env, "dispatcher", "GET", f"/api/v1/schemes/{sid}").status_code in (403, 404)
    book = load_workbook(io.BytesIO(call(env, "admin", "GET", f"/api/v1/schemes/{sid}/report.xlsx").content))
    assert book.sheetnames == ["考核指标核查", "按考核部门"]
    stats = call(env, "admin", "GET", "/api/v1/statistics").json()
    assert stats["flagged"]["区医保局"]["abolished"] == 1
    assert call(env, "town", "GET", "/api/v1/statistics?district=江津区").status_code == 403


def test_uploads_and_bad_input(env):
    bad = sheet_bytes([["编码", "牵头科室"], ["B9999", "党政办公室"], ["B2", "无此科室"]])
    response = call(env, "town", "POST", f"/api/v1/towns/{TOWN}/assignments/import", files={"file": ("坏.xlsx", bad)})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "第 2 行" in message and "B9999" in message and "第 3 行" in message and "无此科室" in message
    wrong_kind = call(env, "town", "POST", f"/api/v1/towns/{TOWN}/assignments/import", files={"file": ("a.csv", b"x")})
    assert wrong_kind.status_code == 422 and "只支持 .xlsx" in wrong_kind.json()["error"]["message"]
    garbage = call(env, "admin", "POST", "/api/v1/schemes", files={"file": ("a.xlsx", b"\x00garbage")},
                   data={"town": TOWN, "year": "2026"})
    assert garbage.status_code == 422 and "不是有效的 xlsx" in garbage.json()["error"]["message"]
    for body in ({"code": "B1", "received_on": "2026-13-01", "work": "x"}, {"code": "B1"},
                 {"code": "B1", "received_on": "2020-01-01", "work": "x" * 3000}):
        assert call(env, "town", "POST", f"/api/v1/towns/{TOWN}/ledger", json=body).status_code == 422
    assert call(env, "town", "GET", "/api/v1/towns/不存在镇/ledger").status_code in (403, 404)
    assert call(env, "admin", "GET", "/api/v1/towns/不存在镇/ledger").status_code == 404
    assert call(env, "admin", "GET", "/api/v1/schemes/99999").status_code == 404
    added = call(env, "town", "POST", f"/api/v1/towns/{TOWN}/ledger",
                 json={"code": "B1", "received_on": "2026-01-05", "work": "=cmd|' /C calc'!A0", "attachments": ["a.docx"]})
    assert added.status_code == 201
    sheet = load_workbook(io.BytesIO(call(env, "town", "GET", f"/api/v1/towns/{TOWN}/ledger.xlsx").content)).worksheets[0]
    assert any(str(c.value).startswith("'=cmd") for c in sheet[2]), "a cell never becomes a formula"


def test_cli(env, tmp_path):
    _, _, url = env
    (tmp_path / "scheme.xlsx").write_bytes(scheme_xlsx(scheme_indicators(seed=7)))
    done = lvzhi(url, "indicators", "import", str(tmp_path / "scheme.xlsx"), "--year", "2027")
    assert done.returncode == 0 and "考核已取消事项 1 条" in done.stdout, done.stderr
    scheme = re.search(r"已导入考核方案 (\d+)", done.stdout).group(1)
    report = lvzhi(url, "indicators", "report", scheme, "--department", "区医保局")
    assert "R18" in report.stdout and "不再开展" in report.stdout
    lvzhi(url, "org", "office", "党政办公室")  # already there when the API test ran first
    assert lvzhi(url, "org", "assign", "党政办公室", "--code", "B1").returncode == 0
    assert lvzhi(url, "org", "template", "--output", str(tmp_path / "t.xlsx")).returncode == 0
    imported = lvzhi(url, "org", "import", str(tmp_path / "t.xlsx"))
    assert imported.returncode == 0 and "已导入" in imported.stdout
    bad = lvzhi(url, "org", "assign", "党政办公室", "--code", "B9999")
    assert bad.returncode == 1 and "B9999" in bad.stderr
    assert lvzhi(url, "ledger", "add", "B1", "召开会议", "--attachment", "纪要.docx").returncode == 0
    assert "党政办公室" in lvzhi(url, "ledger", "show").stdout
    assert lvzhi(url, "ledger", "export", "--output", str(tmp_path / "l.xlsx")).returncode == 0
    assert (tmp_path / "l.xlsx").exists()
