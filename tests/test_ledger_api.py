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


def office_ids(env, who="town") -> dict[str, int]:
    offices = call(env, who, "GET", f"/api/v1/towns/{TOWN}/organisation").json()["offices"]
    return {o["name"]: o["id"] for o in offices}


def staff_ids(env) -> dict[str, int]:
    offices = call(env, "town", "GET", f"/api/v1/towns/{TOWN}/organisation").json()["offices"]
    return {s["name"]: s["id"] for o in offices for s in o["staff"]}


def test_offices_and_staff_over_http(env):
    for name in ("规划建设办", "农业服务中心", "平安法治办"):
        assert call(env, "town", "POST", f"/api/v1/towns/{TOWN}/offices", json={"name": name}).status_code == 201
    assert call(env, "town", "POST", f"/api/v1/towns/{TOWN}/staff",
                json={"office": "规划建设办", "name": "刘洋", "post": "主任"}).status_code == 201
    assert call(env, "town", "POST", f"/api/v1/towns/{TOWN}/assignments",
                json={"code": "B60", "lead": "规划建设办", "co": ["平安法治办"], "person": "刘洋"}).status_code == 200
    ids = office_ids(env)
    office = f"/api/v1/towns/{TOWN}/offices/{ids['规划建设办']}"
    assert call(env, None, "PATCH", office, json={"name": "x"}).status_code == 401
    for who in ("health", "dispatcher"):
        assert call(env, who, "PATCH", office, json={"name": "x"}).status_code == 403
        assert call(env, who, "DELETE", office).status_code == 403
        assert call(env, who, "PATCH", f"/api/v1/towns/{TOWN}/staff/{staff_ids(env)['刘洋']}",
                    json={"post": "x"}).status_code == 403
    same = call(env, "town", "PATCH", office, json={"name": "农业服务中心"})
    assert same.status_code == 409 and "已有科室“农业服务中心”" in same.json()["error"]["message"]
    for bad in ({"name": ""}, {"name": "x", "extra": 1}, {}):
        assert call(env, "town", "PATCH", office, json=bad).status_code == 422
    assert call(env, "town", "PATCH", f"/api/v1/towns/{TOWN}/offices/0", json={"name": "x"}).status_code == 422
    assert call(env, "town", "PATCH", f"/api/v1/towns/{TOWN}/offices/99999", json={"name": "x"}).status_code == 404
    renamed = call(env, "town", "PATCH", office, json={"name": "规划建设管理环保办公室"})
    assert renamed.status_code == 200 and renamed.json()["changed"]
    refused = call(env, "town", "DELETE", office)
    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert "科室“规划建设管理环保办公室”牵头 1 个事项（B60" in message and "有人员 刘洋" in message
    assert call(env, "town", "DELETE", f"{office}?move_to=无此科室").status_code == 422
    person = f"/api/v1/towns/{TOWN}/staff/{staff_ids(env)['刘洋']}"
    kept = call(env, "town", "DELETE", person)
    assert kept.status_code == 409 and "刘洋是 1 个事项的责任人（B60" in kept.json()["error"]["message"]
    moved = call(env, "town", "PATCH", person, json={"office": "农业服务中心", "post": "副主任"})
    assert moved.status_code == 200 and moved.json()["office"] == "农业服务中心"
    gone = call(env, "admin", "DELETE", office + "?move_to=农业服务中心")
    assert gone.status_code == 200 and gone.json()["lead_moved"] == ["B60"] and gone.json()["outcome"] == "deleted"
    board = call(env, "town", "GET", f"/api/v1/towns/{TOWN}/organisation").json()
    b60 = next(i for i in board["items"] if i["code"] == "B60")
    assert b60["lead"] == "农业服务中心" and b60["co"] == ["平安法治办"] and b60["person"] == "刘洋"
    cleared = call(env, "town", "DELETE", person + "?replace_with=（不设责任人）")
    assert cleared.status_code == 200 and cleared.json()["items"] == ["B60"]
    log = call(env, "admin", "GET", "/api/v1/audit?action=org.office_remove").json()
    assert log["total"] >= 1 and log["entries"][0]["after"]["moved_to"] == "农业服务中心"
    # the same through the pages' forms (a token stands in for the session here; the browser test uses a session)
    ids = office_ids(env)
    call(env, "town", "POST", f"/api/v1/towns/{TOWN}/assignments", json={"code": "B61", "lead": "平安法治办"})
    page = call(env, "town", "POST", f"/org/{TOWN}/offices/{ids['平安法治办']}/remove", data={"move_to": ""},
                follow_redirects=False)
    assert page.status_code == 409 and "B61" in page.text and "指定接手的科室" in page.text
    page = call(env, "town", "POST", f"/org/{TOWN}/offices/{ids['平安法治办']}/rename", data={"name": "平安法治办公室"},
                follow_redirects=False)
    assert page.status_code == 303 and "/org/" in page.headers["location"]
    listing = call(env, "town", "GET", f"/org/{TOWN}/offices")
    assert listing.status_code == 200 and "平安法治办公室" in listing.text and "撤销科室" in listing.text
    assert call(env, "health", "GET", f"/org/{TOWN}/offices").status_code == 403


def test_item_assignment_public_and_for_the_town(env):
    call(env, "town", "POST", f"/api/v1/towns/{TOWN}/offices", json={"name": "社会事务办"})
    call(env, "town", "POST", f"/api/v1/towns/{TOWN}/staff", json={"office": "社会事务办", "name": "郑丽"})
    call(env, "town", "POST", f"/api/v1/towns/{TOWN}/assignments",
         json={"code": "B51", "lead": "社会事务办", "person": "郑丽"})
    url = f"/api/v1/towns/{TOWN}/items/b51/assignment"
    public = call(env, None, "GET", url).json()
    assert public["code"] == "B51" and public["assignment"]["lead"] == "社会事务办"
    assert public["assignment"]["person"] is None and public["ledger"] is None
    assert call(env, "health", "GET", url).json()["assignment"]["person"] is None
    mine = call(env, "town", "GET", url).json()
    assert mine["assignment"]["person"] == "郑丽" and mine["ledger"]["url"] == f"/ledger/{TOWN}?code=B51"
    assert call(env, None, "GET", f"/api/v1/towns/{TOWN}/items/B9999/assignment").status_code == 404
    page = call(env, None, "GET", f"/t/{TOWN}/B51").text
    assert "镇内牵头科室" in page and "社会事务办" in page and "郑丽" not in page and "ledger-link" not in page
    page = call(env, "town", "GET", f"/t/{TOWN}/B51").text
    assert "郑丽" in page and f'href="/ledger/{TOWN}?code=B51"' in page and "调整分工" in page
    assert "郑丽" not in call(env, "health", "GET", f"/t/{TOWN}/B51").text


def test_finishing_ledger_entries_over_http(env):
    made = call(env, "town", "POST", f"/api/v1/towns/{TOWN}/ledger",
                json={"code": "B51", "received_on": "2026-01-05", "due_on": "2026-01-20", "work": "核查低保户"})
    assert made.status_code == 201
    finish = f"/api/v1/towns/{TOWN}/ledger/{made.json()['id']}/finish"
    for who in ("health", "dispatcher"):
        assert call(env, who, "POST", finish, json={"done_on": "2026-01-10", "result": "已核查"}).status_code == 403
    for body, words in (({"done_on": "2026-01-01", "result": "x"}, "不能早于收到日期"),
                        ({"done_on": "2999-01-01", "result": "x"}, "不能晚于今天"),
                        ({"done_on": "2026-01-10", "result": "   "}, "办理结果不能为空")):
        refused = call(env, "town", "POST", finish, json=body)
        assert refused.status_code == 422 and words in refused.json()["error"]["message"], refused.text
    for body in ({"done_on": "2026-02-30", "result": "x"}, {"result": "x"}, {"done_on": "2026-01-10", "result": "x", "by": 1}):
        assert call(env, "town", "POST", finish, json=body).status_code == 422
    done = call(env, "town", "POST", finish, json={"done_on": "2026-01-25", "result": "已核查", "attachments": ["表.xlsx"]})
    assert done.status_code == 200 and done.json()["late"] is True and done.json()["state"] == "late"
    again = call(env, "town", "POST", finish, json={"done_on": "2026-01-25", "result": "再来"})
    assert again.status_code == 409 and "不能再次办结" in again.json()["error"]["message"]
    late = call(env, "town", "GET", f"/api/v1/towns/{TOWN}/ledger?state=late").json()["entries"]
    assert [e["id"] for e in late if e["id"] == made.json()["id"]] and late[0]["state_name"] == "逾期完成"
    assert call(env, "town", "GET", f"/api/v1/towns/{TOWN}/ledger?state=nope").status_code == 422
    assert call(env, "town", "POST", f"/api/v1/towns/{TOWN}/ledger/99999/finish",
                json={"done_on": "2026-01-25", "result": "x"}).status_code == 404
    # the page's form: a bad date is named beside the entry, a good one goes back with a notice
    other = call(env, "town", "POST", f"/api/v1/towns/{TOWN}/ledger",
                 json={"code": "B52", "received_on": "2026-01-05", "work": "走访"}).json()["id"]
    page = call(env, "town", "POST", f"/ledger/{TOWN}/{other}/finish", data={"done_on": "2026-1-5x", "result": "好"},
                follow_redirects=False)
    assert page.status_code == 422 and f"台账记录 {other}：完成日期“2026-1-5x”不对" in page.text
    page = call(env, "town", "POST", f"/ledger/{TOWN}/{other}/finish", data={"done_on": "2026-01-06", "result": "好"},
                follow_redirects=False)
    assert page.status_code == 303 and "done=" in page.headers["location"]
    assert call(env, "health", "POST", f"/ledger/{TOWN}/{other}/finish",
                data={"done_on": "2026-01-06", "result": "好"}).status_code == 403


def test_scheme_opinion_as_word(env):
    rows = [r for r in scheme_indicators(seed=5) if r.expect_code == "R18"] + scheme_indicators(seed=5)[:11]
    scheme = call(env, "admin", "POST", "/api/v1/schemes", files={"file": ("小方案.xlsx", scheme_xlsx(rows))},
                  data={"town": TOWN, "year": "2025"})
    assert scheme.status_code == 201, scheme.text
    sid = scheme.json()["id"]
    word = call(env, "admin", "GET", f"/api/v1/schemes/{sid}/opinion.docx")
    assert word.status_code == 200 and word.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    from docx import Document
    text = [p.text for p in Document(io.BytesIO(word.content)).paragraphs if p.text]
    assert text[0] == "关于2025年度考核指标的核查意见" and any("考核已取消事项（1 条）" in t for t in text)
    page = call(env, "admin", "GET", f"/indicators/{sid}/opinion").text
    assert all(t in page for t in text[:3]) and f"/api/v1/schemes/{sid}/opinion.docx" in page
    one = call(env, "insurance", "GET", f"/api/v1/schemes/{sid}/opinion.docx")
    assert one.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(one.content)).paragraphs if p.text]
    assert any("区医保局：“医保码签发任务完成率”" in t for t in paragraphs)
    missing = call(env, "admin", "GET", f"/api/v1/schemes/{sid}/opinion.docx?department=区教委")
    assert missing.status_code == 404 and "没有“区教委”设置的指标" in missing.json()["error"]["message"]
    assert call(env, "dispatcher", "GET", f"/api/v1/schemes/{sid}/opinion.docx").status_code in (403, 404)
    assert call(env, None, "GET", f"/api/v1/schemes/{sid}/opinion.docx").status_code == 401


def test_cli_keeps_offices_staff_and_finishes_entries(env, tmp_path):
    _, _, url = env
    assert lvzhi(url, "org", "office", "宣传统战办").returncode == 0
    assert lvzhi(url, "org", "staff", "何静", "--office", "宣传统战办", "--post", "科员").returncode == 0
    assert lvzhi(url, "org", "assign", "宣传统战办", "--code", "B40", "--person", "何静").returncode == 0
    refused = lvzhi(url, "org", "remove-office", "宣传统战办")
    assert refused.returncode == 1 and "B40" in refused.stderr and "何静" in refused.stderr
    assert lvzhi(url, "org", "rename", "宣传统战办", "宣传统战办公室").returncode == 0
    edited = lvzhi(url, "org", "edit-staff", "何静", "--post", "副主任")
    assert edited.returncode == 0 and "副主任" in edited.stdout
    listing = lvzhi(url, "org", "offices")
    assert "宣传统战办公室" in listing.stdout and "何静（1）" in listing.stdout
    assert lvzhi(url, "org", "remove-staff", "何静").returncode == 1
    assert lvzhi(url, "org", "remove-staff", "何静", "--replace-with", "（不设责任人）").returncode == 0
    moved = lvzhi(url, "org", "remove-office", "宣传统战办公室", "--move-to", "党政办公室")
    assert moved.returncode == 0 and "牵头事项 1 个" in moved.stdout
    added = lvzhi(url, "ledger", "add", "B40", "组织宣讲", "--date", "2026-02-01")
    entry = re.search(r"已登记台账 (\d+)", added.stdout).group(1)
    assert entry in lvzhi(url, "ledger", "list", "--code", "B40", "--state", "open").stdout
    assert lvzhi(url, "ledger", "finish", entry, "--result", "宣讲 3 场", "--date", "2026-02-02x").returncode == 1
    finished = lvzhi(url, "ledger", "finish", entry, "--result", "宣讲 3 场", "--date", "2026-02-03",
                     "--attachment", "签到表.pdf")
    assert finished.returncode == 0 and "已于 2026-02-03 办结" in finished.stdout
    twice = lvzhi(url, "ledger", "finish", entry, "--result", "再来")
    assert twice.returncode == 1 and "不能再次办结" in twice.stderr
    schemes = call(env, "admin", "GET", "/api/v1/schemes").json()
    out = tmp_path / "意见.docx"
    assert lvzhi(url, "indicators", "opinion", str(schemes[0]["id"]), "--output", str(out)).returncode == 0
    assert out.read_bytes()[:2] == b"PK"
