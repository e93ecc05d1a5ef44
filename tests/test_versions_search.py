"""Versions with diffs and dates, many towns, Chinese search with facets, the department view —
through the command line, on SQLite and on PostgreSQL."""
from __future__ import annotations

import json

import pytest

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.formats.lists import write_json
from lvzhi.store import Store
from lvzhi.store.db import PublishedVersionChanged
from lvzhi.store.schema import ItemRow
from sqlalchemy import select

from helpers import lvzhi
from sample_lists import amended_lists


def _amended_lists(path):
    """The bundled lists with one duty changed, one item added and one removed: a 动态调整."""
    write_json(amended_lists(), path)
    return path


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_second_version_is_diffed_field_by_field(database_url, tmp_path):
    amended = _amended_lists(tmp_path / "amended.json")
    imported = lvzhi(database_url, "import", str(amended), "--label", "2026年调整版", "--effective-date", "2027-06-01")
    assert imported.returncode == 0, imported.stderr
    versions = _json(lvzhi(database_url, "versions", "--format", "json"))
    assert [v["label"] for v in versions] == ["官方公布版", "2026年调整版"]
    assert versions[1]["effective_date"] == "2027-06-01" and versions[1]["source_name"] == "amended.json"
    diff = _json(lvzhi(database_url, "diff", "官方公布版", "2026年调整版", "--format", "json"))
    assert [i["code"] for i in diff["added"]] == ["B130"]
    assert [i["code"] for i in diff["removed"]] == ["C110"]
    assert [c["code"] for c in diff["changed"]] == ["C39"]
    change = diff["changed"][0]["fields"][0]
    assert change["field"] == "town_duties" and change["after"][-1] == "负责组织献血志愿者。"
    text = lvzhi(database_url, "diff", "1", "2")
    assert "新增 1 项、删除 1 项、修改 1 项" in text.stdout and "镇配合职责" in text.stdout


def test_show_as_of_a_date_and_an_items_history(database_url, tmp_path):
    lvzhi(database_url, "import", str(_amended_lists(tmp_path / "a.json")), "--effective-date", "2027-06-01")
    history = _json(lvzhi(database_url, "history", "C39", "--format", "json"))
    assert [h["state"] for h in history] == ["新增", "修改"]
    gone = _json(lvzhi(database_url, "history", "C110", "--format", "json"))
    assert [h["state"] for h in gone] == ["新增", "无"]
    before = _json(lvzhi(database_url, "show", "C39", "--as-of", "2027-05-31", "--format", "json"))
    after = _json(lvzhi(database_url, "show", "C39", "--as-of", "2027-06-01", "--format", "json"))
    assert len(before["town_duties"]) == 2 and len(after["town_duties"]) == 3
    bad = lvzhi(database_url, "show", "C39", "--as-of", "去年")
    assert bad.returncode == 1 and "格式不对" in bad.stderr


def test_published_versions_cannot_be_changed(database_url):
    lvzhi(database_url, "towns")
    store = Store(database_url)
    with pytest.raises(PublishedVersionChanged):
        with store.transaction() as session:
            session.scalar(select(ItemRow).where(ItemRow.code == "B51")).title = "改过的名称"
    with store.transaction() as session:
        assert session.scalar(select(ItemRow).where(ItemRow.code == "B51")).title.startswith("负责最低生活保障")
    store.close()


def test_many_towns_and_search_across_them(database_url, tmp_path):
    other = bundled_dataset()
    other.town.name, other.town.district = "德感街道", "江津区"
    other.items = [i for i in other.items if i.list != "basic"]
    write_json(other, tmp_path / "degan.json")
    assert lvzhi(database_url, "import", str(tmp_path / "degan.json")).returncode == 0
    towns = lvzhi(database_url, "towns")
    assert "德感街道" in towns.stdout and "273" in towns.stdout
    result = _json(lvzhi(database_url, "search", "托育", "--format", "json"))
    assert result["total"] == 4 and result["facets"]["town"] == {"珞璜镇": 2, "德感街道": 2}
    assert {h["code"] for h in result["items"]} == {"R8", "C42"}
    only = _json(lvzhi(database_url, "search", "托育", "--town", "德感街道", "--list", "reclaimed", "--format", "json"))
    assert [(h["town"], h["code"]) for h in only["items"]] == [("德感街道", "R8")]
    view = _json(lvzhi(database_url, "department", "区卫健委", "--format", "json"))
    assert view["department"] == "区卫生健康委" and set(view["per_town"]) == {"珞璜镇", "德感街道"}


def test_search_words_synonyms_facets_and_filters(database_url):
    low = _json(lvzhi(database_url, "search", "低保", "--format", "json"))
    assert low["items"][0]["code"] == "B51"
    assert _json(lvzhi(database_url, "search", "违建", "--format", "json"))["items"][0]["code"] == "B75"
    noise = _json(lvzhi(database_url, "search", "噪音", "--format", "json"))
    assert {"B96", "R157"} <= {h["code"] for h in noise["items"]}
    fines = _json(lvzhi(database_url, "search", "罚", "--limit", "500", "--format", "json"))
    assert fines["total"] >= 100 and all("罚" in h["title"] or h["list"] != "basic" for h in fines["items"])
    assert sum(fines["facets"]["list"].values()) == fines["total"]
    safety = _json(lvzhi(database_url, "search", "烟花爆竹", "--department", "区应急局", "--category", "平安法治",
                         "--format", "json"))
    assert safety["total"] > 10
    assert all(h["category"] == "平安法治" and "区应急管理局" in h["departments"] for h in safety["items"])
    unknown = lvzhi(database_url, "search", "低保", "--department", "区不存在局")
    assert unknown.returncode == 1 and "没有名为" in unknown.stderr


def test_department_view_shows_both_sides(database_url):
    view = _json(lvzhi(database_url, "department", "区应急管理局", "--format", "json"))
    assert view["totals"] == {"cooperative": 3, "reclaimed": 99}
    c54 = next(e for e in view["cooperative"] if e["code"] == "C54")
    assert c54["department_duties"][0].startswith("负责牵头组织开展防汛抗旱知识") and len(c54["town_duties"]) == 9
    r47 = next(e for e in view["reclaimed"] if e["code"] == "R47")
    assert r47["methods"]
    text = lvzhi(database_url, "department", "区应急管理局")
    assert "牵头配合事项 3 项，收回事项 99 项" in text.stdout
