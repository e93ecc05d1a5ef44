"""A version dated for the future waits (待生效) everywhere; the bundled lists carry no invented date."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from helpers import lvzhi
from lvzhi.lists.catalog import Catalog
from lvzhi.store import Store
from lvzhi.web import create_app
from sample_lists import amended_lists

TOWN = "珞璜镇"


@pytest.fixture
def future(tmp_path):
    """A database with the bundled lists and, dated a month ahead, a version that drops C110 and adds B130."""
    database = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    lists = tmp_path / "v2.json"
    lists.write_text(json.dumps(amended_lists().to_dict(), ensure_ascii=False), encoding="utf-8")
    when = date.today() + timedelta(days=30)
    result = lvzhi(database, "import", str(lists), "--label", "2027年第一次动态调整", "--effective-date", when.isoformat())
    assert result.returncode == 0, result.stderr
    assert "待生效" in result.stdout and when.isoformat() in result.stdout
    return database, when


def test_the_bundled_version_has_no_invented_date_and_answers_for_earlier_days(tmp_path):
    database = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    versions = json.loads(lvzhi(database, "versions", "--format", "json").stdout)
    assert versions[0]["effective_date"] is None and versions[0]["in_force_from"] is None
    assert versions[0]["state"] == "现行"
    old = json.loads(lvzhi(database, "show", "R163", "--as-of", "2025-01-01", "--format", "json").stdout)
    assert old["code"] == "R163"
    assert "未载明生效日期" in lvzhi(database, "towns").stdout


def test_a_future_version_waits_in_the_cli(future):
    database, when = future
    assert lvzhi(database, "show", "C110").returncode == 0  # still in force today
    assert lvzhi(database, "show", "B130").returncode == 1
    later = lvzhi(database, "show", "C110", "--as-of", when.isoformat())
    assert later.returncode == 1 and "没有编码为“C110”的事项" in later.stderr
    assert lvzhi(database, "show", "B130", "--as-of", when.isoformat()).returncode == 0
    states = {v["label"]: v["state"] for v in json.loads(lvzhi(database, "versions", "--format", "json").stdout)}
    assert states == {"官方公布版": "现行", "2027年第一次动态调整": "待生效"}
    towns = lvzhi(database, "towns").stdout
    assert "官方公布版" in towns and f"2027年第一次动态调整（{when.isoformat()} 起）" in towns
    answer = json.loads(lvzhi(database, "resolve", "负责本镇数据安全管理工作", "--format", "json").stdout)
    assert (answer.get("item") or {}).get("code") != "B130"  # the resolver answers by today's lists


def test_a_future_version_waits_in_the_portal_and_api(future):
    database, when = future
    client = TestClient(create_app(database=database, warm=False))
    assert client.get(f"/t/{TOWN}/C110").status_code == 200
    town = client.get(f"/api/v1/towns/{TOWN}").json()
    assert town["current_version"]["label"] == "官方公布版"
    assert town["counts"]["cooperative"] == 110
    page = client.get(f"/t/{TOWN}/versions").text
    assert "待生效" in page and when.isoformat() in page
    assert "待生效" in client.get(f"/t/{TOWN}").text


def test_the_day_it_takes_effect_the_new_version_is_current(future):
    database, when = future
    lists = Catalog(Store(database))
    assert lists.version(TOWN, on=when).label == "2027年第一次动态调整"
    assert lists.version(TOWN, on=when - timedelta(days=1)).label == "官方公布版"
    assert "B130" in lists.dataset(TOWN, on=when).by_code()
    assert lists.resolver(TOWN, on=when).dataset.version == "2027年第一次动态调整"


def test_a_removed_items_fixed_url_says_when_and_links_its_last_version(tmp_path):
    database = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    lists = tmp_path / "v2.json"
    lists.write_text(json.dumps(amended_lists().to_dict(), ensure_ascii=False), encoding="utf-8")
    assert lvzhi(database, "import", str(lists), "--label", "2026年调整版",
                 "--effective-date", date.today().isoformat()).returncode == 0
    client = TestClient(create_app(database=database, warm=False))
    page = client.get(f"/t/{TOWN}/C110")
    assert page.status_code == 404
    assert "自版本“2026年调整版”" in page.text and "?version=1" in page.text
    assert client.get(f"/t/{TOWN}/C999").status_code == 404


def test_a_version_this_process_publishes_is_seen_at_once_after_written(tmp_path):
    """The catalog re-reads the database at most once a refresh window; a handler that just published tells it."""
    from lvzhi.work.audit import Actor
    from lvzhi.work.publishing import publish

    database = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    lvzhi(database, "towns")  # creates the database with the bundled lists
    store = Store(database)
    catalog = Catalog(store, refresh_seconds=3600)
    assert len(catalog.town(TOWN).versions) == 1
    publish(store, Actor.command_line(), amended_lists(), source_name="v2.json")
    assert len(catalog.town(TOWN).versions) == 1, "inside the window the catalog answers from what it read"
    catalog.written()
    assert len(catalog.town(TOWN).versions) == 2
    store.close()
