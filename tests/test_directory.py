"""The directory of bodies (单位名录, issue 16.13): the admin keeps each body's public contact per district; a
resident's answer names who handles the request and how to reach them, always with 12345. Portal, API and CLI;
the role matrix; row errors of an import; audit entries in the same transaction. SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from lvzhi.store import Store
from lvzhi.web import create_app

from helpers import lvzhi
from sample_lists import add_people

TOWN = "珞璜镇"
DISTRICT = "江津区"
PASSWORD = "lvzhi-test-pw"
PEOPLE = {"admin": ("admin", None, None), "town": ("town", TOWN, None), "health": ("department", None, "区卫健委"),
          "dispatcher": ("dispatcher", None, None)}
# made-up contact values, written only by the tests (the shipped directory has none)
PHONE = "023-0000 0101"
HALL = "测试路 1 号城管服务大厅"
STALLS = "占道摆摊，谁来管？"


@pytest.fixture
def env(database_url):
    store = Store(database_url)
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        tokens = add_people(store, PEOPLE, PASSWORD)
        yield client, tokens, database_url
    store.close()


def call(env, who, method, url, **kwargs):
    client, tokens, _ = env
    headers = {"authorization": f"Bearer {tokens[who]}"} if who else {}
    return client.request(method, url, headers=headers, **kwargs)


def audit(env, action: str) -> list[dict]:
    return [e for e in call(env, "admin", "GET", "/api/v1/audit?per_page=200").json()["entries"] if e["action"] == action]


def resident_answer(client) -> str:
    client.cookies.clear()
    page = client.get("/", params={"q": STALLS})
    assert page.status_code == 200
    return page.text


def log_in(client, username: str) -> None:
    """A browser-like session through the login form (a fresh one: earlier cookies are dropped)."""
    client.cookies.clear()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    data = {"username": username, "password": PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    done = client.post("/login", data=data, headers={"origin": str(client.base_url)}, follow_redirects=False)
    assert done.status_code == 303, done.text


def sign_in(client, username: str) -> str:
    """Signed in as `username`; the CSRF token the directory page carries."""
    log_in(client, username)
    page = client.get("/admin/directory")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_shipped_directory_knows_the_bodies_but_invents_no_contact(env):
    listing = call(env, None, "GET", "/api/v1/directory").json()
    assert listing["district"] == DISTRICT
    names = {e["name"]: e for e in listing["entries"]}
    assert {TOWN, "区城市管理局", "区卫生健康委", "江津综保区管委会", "珞城实业公司（原珞璜建司）", "12345政务服务便民热线"} <= set(names)
    assert "区级相关部门" not in names and not any(n.endswith("等") for n in names)
    assert names["珞城实业公司（原珞璜建司）"]["kind"] == "enterprise" and names[TOWN]["kind"] == "town"
    for name, entry in names.items():
        contact = [entry[f] for f in ("phone", "address", "hours", "website", "note")]
        assert contact == (["12345", "", "", "", ""] if name == "12345政务服务便民热线" else [""] * 5), name
    # the resident's answer says who handles it and gives 12345, with no made-up number
    text = resident_answer(env[0])
    assert "区城市管理局" in text and "单位名录中尚无其联系方式" in text and 'href="tel:12345"' in text


def test_admin_edits_a_body_in_the_portal_and_the_residents_answer_shows_it(env):
    client = env[0]
    csrf = sign_in(client, "admin")
    form = client.get("/admin/directory/edit", params={"name": "区城管局"})  # an alias: the registry's name is used
    assert form.status_code == 200 and 'value="区城市管理局"' in form.text
    bad = client.post("/admin/directory/edit", data={"csrf_token": csrf, "district": DISTRICT, "name": "区城市管理局",
                                                      "phone": "请拨打城管电话", "kind": "department"})
    assert bad.status_code == 422 and "不是电话号码" in bad.text
    saved = client.post("/admin/directory/edit", data={
        "csrf_token": csrf, "district": DISTRICT, "name": "区城市管理局", "kind": "department", "phone": PHONE,
        "address": HALL, "hours": "工作日 9:00–17:00", "website": "https://example.gov.cn/cg", "note": ""},
        follow_redirects=False)
    assert saved.status_code == 303
    assert "已保存区城市管理局的联系方式" in client.get(saved.headers["location"]).text
    # an anonymous resident now reads the contact on the home page …
    text = resident_answer(client)
    assert PHONE in text and HALL in text and 'href="tel:02300000101"' in text and "12345" in text
    answer_part = text.split('id="answer"')[1].split("</main>")[0]
    assert "得分" not in answer_part and "报批" not in answer_part  # officials' words stay with officials
    # … in the API's resident field …
    answer = call(env, None, "POST", "/api/v1/resolve", json={"text": STALLS}).json()
    contacts = answer["for_residents"]["contacts"]
    assert contacts[0]["name"] == "区城市管理局" and contacts[0]["phone"] == PHONE and contacts[0]["address"] == HALL
    assert answer["for_residents"]["hotline"]["phone"] == "12345" and "12345" in answer["for_residents"]["summary"]
    # … and in the command line's answer
    cli = lvzhi(env[2], "resolve", STALLS)
    assert cli.returncode == 0 and PHONE in cli.stdout and HALL in cli.stdout and "12345" in cli.stdout
    as_json = json.loads(lvzhi(env[2], "resolve", STALLS, "--format", "json").stdout)
    assert as_json["for_residents"]["contacts"][0]["phone"] == PHONE
    batch = [json.loads(line) for line in lvzhi(env[2], "resolve", "--input", "-", stdin=json.dumps(
        {"id": "1", "text": STALLS}, ensure_ascii=False) + '\n{"id": "2", "text": "。。"}\n').stdout.splitlines()]
    assert batch[0]["for_residents"]["contacts"][0]["phone"] == PHONE and "for_residents" not in batch[1]
    # officials still see the basis
    official = client.get("/", params={"q": STALLS, "view": "official"}).text
    assert "理由：" in official and "R128" in official
    # the change is audited with before and after
    entry = audit(env, "directory.set")[0]
    assert entry["object_id"] == f"{DISTRICT}/区城市管理局" and entry["after"]["phone"] == PHONE and entry["before"] is None
    assert "电话：023-0000 0101" in entry["changes_text"]
    # and reads as labelled Chinese fields on the audit page, not escapes or English keys
    sign_in(client, "admin")
    page = client.get("/audit").text
    assert "登记单位联系方式" in page and "<dt>电话</dt>" in page and "<dt>地址</dt>" in page
    assert "\\u" not in page and '"phone"' not in page and "<dt>phone</dt>" not in page


def test_role_matrix(env):
    url = "/api/v1/directory/" + quote("区卫生健康委")
    body = {"phone": PHONE}
    upload = {"file": ("名录.csv", "单位,电话\n区卫生健康委,023-0000 0102\n".encode("utf-8"))}
    assert call(env, None, "PUT", url, json=body).status_code == 401
    assert call(env, None, "POST", "/api/v1/directory/import", files=upload).status_code == 401
    for who in ("town", "health", "dispatcher"):
        assert call(env, who, "PUT", url, json=body).status_code == 403
        assert call(env, who, "DELETE", url).status_code == 403
        assert call(env, who, "POST", "/api/v1/directory/import", files=upload).status_code == 403
        client = env[0]
        sign_in_page = sign_in_as(client, who)
        assert sign_in_page.status_code == 403 and "无权维护单位名录" in sign_in_page.text
    assert audit(env, "directory.set") == []
    assert call(env, "admin", "PUT", url, json=body).status_code == 200
    # everyone reads what residents see; only the admin sees who entered it
    for who in (None, "town", "health", "dispatcher", "admin"):
        listing = call(env, who, "GET", "/api/v1/directory").json()
        health = next(e for e in listing["entries"] if e["name"] == "区卫生健康委")
        assert health["phone"] == PHONE
        assert ("updated_by" in health) == (who == "admin")
        assert call(env, who, "GET", url).json()["phone"] == PHONE
    assert env[0].get("/directory").status_code == 200 and PHONE in env[0].get("/directory").text
    deleted = call(env, "admin", "DELETE", url)
    assert deleted.status_code == 200 and deleted.json()["phone"] == "" and len(audit(env, "directory.clear")) == 1


def sign_in_as(client, who: str):
    """The directory's admin page as `who` sees it (the session is dropped afterwards)."""
    log_in(client, who)
    page = client.get("/admin/directory")
    client.cookies.clear()
    return page


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_bad_import_rows_are_reported_by_row_and_nothing_is_written(env):
    rows = [["单位", "类别", "电话", "地址", "办公时间", "网站", "备注"],
            ["区城市管理局", "区级部门", PHONE, HALL, "", "", ""],
            ["", "", "023-1", "", "", "", ""],
            ["区级相关部门", "", "023-0000 0103", "", "", "", ""],
            ["区民政局", "", "民政局电话", "", "", "", ""],
            ["区民政局", "", "023-0000 0104", "", "", "javascript:alert(1)", ""],
            ["区城管局", "", "023-0000 0105", "", "", "", ""],
            ["区教委", "学校", "023-0000 0106", "", "", "", ""]]
    result = call(env, "admin", "POST", "/api/v1/directory/import", files={"file": ("名录.xlsx", _xlsx(rows))})
    assert result.status_code == 422
    message = result.json()["error"]["message"]
    assert message.startswith("名录.xlsx：6 处有误，未导入任何内容")
    for expected in ("第 3 行：缺少单位名称", "第 4 行：“区级相关部门”不是一个具体单位", "第 5 行：电话“民政局电话”不是电话号码",
                     "第 6 行：网站“javascript:alert(1)”应以 http:// 或 https:// 开头",
                     "第 7 行：“区城市管理局”与第 2 行重复且内容不同", "第 8 行：类别“学校”不对"):
        assert expected in message, (expected, message)
    assert call(env, None, "GET", "/api/v1/directory").json()["listed"] == 1  # only the hotline
    assert audit(env, "directory.import") == [] and audit(env, "directory.set") == []
    # the same through the command line, from a GBK csv
    bad_csv = "单位,电话\n区民政局,023-0000 0107\n区林业局,打电话\n".encode("gb18030")
    path = env[2].split("///")[-1] + ".csv" if env[2].startswith("sqlite") else None
    if path:
        with open(path, "wb") as handle:
            handle.write(bad_csv)
        cli = lvzhi(env[2], "directory", "import", path)
        assert cli.returncode != 0 and "第 3 行：电话“打电话”不是电话号码" in cli.stderr and "未导入任何内容" in cli.stderr


def test_import_export_round_trip_with_one_audit_transaction(env, tmp_path):
    exported = call(env, None, "GET", "/api/v1/directory/export", params={"format": "xlsx"})
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["单位", "类别", "电话"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "区城市管理局":
            row[2].value, row[3].value = PHONE, HALL
        if row[0].value == TOWN:
            row[4].value = "工作日 9:00–12:00，14:00–17:30"
    buffer = io.BytesIO()
    book.save(buffer)
    done = call(env, "admin", "POST", "/api/v1/directory/import", files={"file": ("名录.xlsx", buffer.getvalue())})
    assert done.status_code == 200, done.text
    assert sorted(done.json()["changed"]) == sorted(["区城市管理局", TOWN, "12345政务服务便民热线"])
    assert len(audit(env, "directory.import")) == 1 and len(audit(env, "directory.set")) == 3
    again = call(env, "admin", "POST", "/api/v1/directory/import", files={"file": ("名录.xlsx", buffer.getvalue())})
    assert again.json()["changed"] == [] and len(audit(env, "directory.set")) == 3
    # a basic item's answer: the town's hours reach the resident
    answer = call(env, None, "POST", "/api/v1/resolve", json={"text": "村里的低保申请材料交给谁"}).json()
    assert answer["verdict"] == "basic" and answer["items"][0]["code"] == "B51"
    town = answer["for_residents"]["contacts"][0]
    assert town["name"] == TOWN and town["role"] == "负责办理" and town["hours"].startswith("工作日")


def test_cli_list_set_export(env, tmp_path):
    url = env[2]
    assert lvzhi(url, "directory", "set", "区人社局", "--phone", "023-0000 0108", "--hours", "工作日").returncode == 0
    listed = lvzhi(url, "directory", "list", "--listed")
    assert "区人力社保局" in listed.stdout and "023-0000 0108" in listed.stdout
    only_hours = lvzhi(url, "directory", "set", "区人力社保局", "--hours", "工作日 9:00–17:00")
    assert only_hours.returncode == 0 and "023-0000 0108" in only_hours.stdout  # other fields kept
    bad = lvzhi(url, "directory", "set", "区教委等", "--phone", "023-0000 0109")
    assert bad.returncode != 0 and "不是一个具体单位" in bad.stderr
    unknown = lvzhi(url, "directory", "list", "--district", "不存在区")
    assert unknown.returncode != 0 and "没有区县“不存在区”" in unknown.stderr
    out = tmp_path / "名录.csv"
    assert lvzhi(url, "directory", "export", "--output", str(out)).returncode == 0
    assert "区人力社保局,区级部门,023-0000 0108" in out.read_text(encoding="utf-8-sig")
    cleared = lvzhi(url, "directory", "set", "区人力社保局", "--clear")
    assert cleared.returncode == 0 and len(audit(env, "directory.clear")) == 1
