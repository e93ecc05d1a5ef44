"""The portal's pages in-process: content from the lists, escaping, limits, headers, and no 500 for any input."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from lvzhi.web import create_app
from lvzhi.web.routing import every_route

from sample_lists import HOSTILE_TITLE, amended_lists, populated_store

TOWN = "珞璜镇"
T = quote(TOWN)
API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = populated_store(f"sqlite:///{tmp_path_factory.mktemp('pages') / 'lvzhi.db'}")
    with TestClient(create_app(store), raise_server_exceptions=False) as test_client:
        yield test_client


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_answers_a_question_with_both_sides_of_a_cooperative_item(client):
    html = _page(client, f"/?q={quote('请镇里组织一次无偿献血活动')}")
    c39 = amended_lists().by_code()["C39"]
    text = _text(html)
    assert "配合履职事项" in text and "区卫生健康委" in text and f"/t/{TOWN}/C39" in html
    for duty in c39.town_duties + c39.department_duties[0].duties:
        assert duty in text
    assert "其他可能的事项" in text


def test_home_form_post_gives_the_same_answer(client):
    response = client.post("/", data={"q": "小区楼下那家托育机构消防通道堆满杂物，谁来查？", "town": TOWN})
    assert response.status_code == 200
    text = _text(response.text)
    assert "上级部门收回事项" in text and "R8" in text and "区卫生健康委" in text
    unlisted = _text(client.post("/", data={"q": "我想办理结婚登记"}).text)
    assert "清单外" in unlisted and "职责准入" in unlisted


def test_home_without_question_and_with_a_blank_one(client):
    assert "这件事归谁管" in _page(client, "/")
    assert "诉求内容只有标点" in _text(_page(client, f"/?q={quote('？？')}"))


def test_town_page_lists_every_category_with_its_count(client):
    text = _text(_page(client, f"/t/{T}"))
    dataset = amended_lists()
    for kind in ("basic", "cooperative", "reclaimed"):
        assert f"{len(dataset.items_of(kind))} 项" in text
        for name, count in dataset.categories(kind):
            assert f"{name} {count}" in text


def test_list_page_by_category_leads_to_items(client):
    html = _page(client, f"/t/{T}/lists/cooperative?category={quote('民生服务')}")
    expected = [i for i in amended_lists().items_of("cooperative") if i.category == "民生服务"]
    assert re.findall(r'href="/t/珞璜镇/(C\d+)"', html) == [i.code for i in expected]
    assert client.get(f"/t/{T}/lists/other", follow_redirects=False).status_code == 303


def test_item_page_shows_every_field_versions_and_prints(client):
    html = _page(client, f"/t/{T}/C74")
    c74 = amended_lists().by_code()["C74"]
    text = _text(html)
    for group in c74.department_duties:
        assert all(d in text for d in group.departments) and all(d in text for d in group.duties)
    assert all(d in text for d in c74.town_duties)
    assert "首次列入" in text and "未变" in text and "data-print" in html
    assert client.get(f"/t/{T}/c74", follow_redirects=False).status_code == 301
    old = _text(_page(client, f"/t/{T}/C110?version=1"))
    assert "档案执法检查" in old and "这不是现行版本" in old and "该版本无此事项" in old
    assert "X999" in _text(_page(client, f"/t/{T}/X999", 404))


def test_reclaimed_item_page_names_handlers_and_methods(client):
    r163 = amended_lists().by_code()["R163"]
    text = _text(_page(client, f"/t/{T}/R163"))
    assert "江津综保区管委会" in text and r163.handlers[0].methods[0] in text
    assert "不再开展此项工作" in _text(_page(client, f"/t/{T}/R18"))


def test_search_page_highlights_and_facets(client):
    html = _page(client, f"/search?q={quote('托育')}")
    assert "<mark>托育</mark>" in html
    assert f'href="/search?q={quote("托育")}&amp;list=reclaimed"' in html
    filtered = _page(client, f"/search?q={quote('托育')}&list=reclaimed")
    assert "✓ 上级部门收回" in filtered and "R8" in filtered
    nothing = _text(_page(client, f"/search?q={quote('zzqx')}"))
    assert "找到 0 项" in nothing


def test_department_town_versions_and_diff_pages(client):
    text = _text(_page(client, f"/departments/{quote('区卫生健康委')}"))
    assert "牵头的配合事项" in text and "无偿献血工作" in text and "对辖区内托育机构的监督管理" in text
    assert client.get(f"/departments/{quote('卫健委')}", follow_redirects=False).status_code == 301
    assert "区卫生健康委" in _page(client, "/departments")
    assert TOWN in _page(client, "/towns") and "测试镇" in _page(client, "/towns")
    versions = _text(_page(client, f"/t/{T}/versions"))
    assert "官方公布版" in versions and "2026年调整版" in versions
    diff = _text(_page(client, f"/t/{T}/diff?from=1&to=2"))
    assert "新增 1 项，删除 1 项，修改 1 项" in diff and "负责组织献血志愿者" in diff


def test_item_text_is_escaped_everywhere(client):
    for url in ("/t/%E6%B5%8B%E8%AF%95%E9%95%87/B1", f"/search?q={quote('测试镇的安全管理')}",
                "/t/%E6%B5%8B%E8%AF%95%E9%95%87/lists/basic"):
        html = _page(client, url)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    echoed = _page(client, f"/?q={quote('<script>alert(1)</script>低保')}")
    assert "<script>alert(1)" not in echoed
    api = client.get("/api/v1/towns/%E6%B5%8B%E8%AF%95%E9%95%87/items/B1").json()
    assert api["item"]["title"] == HOSTILE_TITLE


def test_security_headers_on_pages_api_and_errors(client):
    for url in ("/", "/api/v1/towns", "/nothing-here", f"/t/{T}/C74"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self';" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
    assert "unsafe-inline" in client.get("/docs").headers["content-security-policy"]


def test_oversized_bodies_and_query_strings_are_refused(client):
    big = client.post("/api/v1/resolve", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                      headers={"content-type": "application/json"})
    assert big.status_code == 413 and "请求体过大" in big.json()["error"]["message"]
    long_query = client.get("/search?q=" + "a" * 5000)
    assert long_query.status_code == 414 and "查询参数过长" in long_query.json()["error"]["message"]
    assert "过长" in _text(_page(client, "/search?q=" + quote("低" * 300), 422))


def test_nul_characters_are_refused_at_the_door(client):
    for response in (client.get("/search?q=%00"), client.get("/t/%00"),
                     client.post("/api/v1/resolve", json={"text": "低保\x00"}),
                     client.post("/", data={"q": "低保\x00"})):
        assert response.status_code == 400 and response.json()["error"]["code"] == "nul_character"
        assert "空字符" in response.json()["error"]["message"]


NASTY = ["\x00", "%00", "'; DROP TABLE items; --", "../../etc/passwd", "<script>", "😀" * 50, "　", "%", "B" * 16,
         "\u202e", "C74\n", "null", "-1", "9" * 30]


@pytest.mark.parametrize("value", NASTY)
def test_no_input_makes_a_server_error(client, value):
    v = quote(value, safe="")
    urls = [f"/t/{v}", f"/t/{T}/{v}", f"/t/{T}/lists/{v}", f"/t/{T}/C74?version={v}", f"/t/{T}/diff?from={v}&to=1",
            f"/search?q={v}&list={v}&category={v}&department={v}&town={v}&page={v}", f"/departments/{v}",
            f"/?q={v}&town={v}", f"/api/v1/towns/{v}", f"/api/v1/towns/{T}/items?list={v}&page={v}&department={v}",
            f"/api/v1/towns/{T}/items/{v}", f"/api/v1/towns/{T}/items/C1?version={v}", f"/api/v1/search?q={v}&offset={v}",
            f"/api/v1/towns/{T}/diff?from={v}&to={v}", f"/api/v1/departments/{v}", f"/api/v1/towns/{T}/export.{v}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code, response.text[:300])
    for body in ({"text": value}, {"requests": [{"id": value, "text": value}]}, {"text": "低保", "town": value}):
        assert client.post("/api/v1/resolve", json=body).status_code < 500
    assert client.post("/api/v1/resolve", content=value.encode(), headers={"content-type": "application/json"}).status_code < 500
    assert client.post("/", data={"q": value, "town": TOWN}).status_code < 500


def _documented_routes() -> set[tuple[str, str]]:
    text = API_DOC.read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,4} `(GET|POST) (/[^`]*)`", text, flags=re.M))


def test_every_route_is_documented_and_every_documented_route_exists(client):
    """Like Datasette: an undocumented endpoint fails the build, and so does documentation of a missing one."""
    served = set()
    for route in every_route(client.app.routes):
        methods = getattr(route, "methods", None) or set()
        path = getattr(route, "path_format", route.path)  # /tickets/{ticket_id}, not {ticket_id:int}
        for method in methods & {"GET", "POST"}:
            if not path.startswith(("/static", "/docs", "/redoc")):
                served.add((method, path))
    assert served == _documented_routes()


def test_rows_left_to_check_are_shown_on_the_version_list_the_item_and_the_api(client, tmp_path):
    """A document imported from its text whose layout left rows open: the version records them, the
    versions page and the item page say to check them against the original, the API lists them."""
    from docrender import Layout, render
    from lvzhi.lists.bundled import bundled_dataset
    from lvzhi.ingest.document import parse_document
    from lvzhi.model import Town
    from lvzhi.store import Store
    from lvzhi.store.repository import save_dataset

    parsed = parse_document(render(bundled_dataset(), Layout(page_lines=40, seed=0)), Town("白沙镇", "江津区", "重庆市"))
    assert parsed.unsure == ["C38", "C44", "C55"]
    store = Store(f"sqlite:///{tmp_path / 'unsure.db'}")
    with store.transaction() as session:
        save_dataset(session, parsed, source_name="baisha.txt")
    with TestClient(create_app(store), raise_server_exceptions=False) as baisha:
        town = quote("白沙镇")
        assert baisha.get(f"/api/v1/towns/{town}/versions").json()["versions"][0]["unsure_items"] == ["C38", "C44", "C55"]
        assert re.search(r"C38\s*、\s*C44\s*、\s*C55", _text(_page(baisha, f"/t/{town}/versions")))
        assert "待核对" in _text(_page(baisha, f"/t/{town}/C44"))
        assert "待核对" not in _text(_page(baisha, f"/t/{town}/C43"))
        answer = _page(baisha, f"/?town={town}&q={quote('生活饮用水和公共场所的卫生监督检查归谁管')}")
        assert "/t/白沙镇/C44" in answer and "badge unsure" in answer
    # lists imported from checked JSON have nothing left to check
    assert all(v["unsure_items"] == [] for v in client.get(f"/api/v1/towns/{T}/versions").json()["versions"])
    assert "待核对" not in _text(_page(client, f"/t/{T}/C44"))
    assert "badge unsure" not in _page(client, f"/?q={quote('生活饮用水和公共场所的卫生监督检查归谁管')}")
