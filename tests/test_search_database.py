"""Cross-town search and department views answered by the database (SQLite and PostgreSQL): the same answers as
the in-memory engine, postings written with the lists, only the versions in force counted."""
from __future__ import annotations

import dataclasses
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.lists.catalog import ENV_IN_MEMORY_SEARCH, Catalog
from lvzhi.lists.departments import department_view
from lvzhi.registry import is_body
from lvzhi.search.database import DatabaseSearch
from lvzhi.search.documents import make_documents, search_tokenizer
from lvzhi.search.engine import SearchEngine
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset, save_datasets
from lvzhi.store.schema import (ItemRow, SearchCountedRow, SearchDocumentRow, SearchPostingRow, SearchTotalsRow,
                                VersionRow)
from lvzhi.store.searchdocs import recount

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from scale_bench import variant  # noqa: E402 - the bench's towns: 5–15% of items worded their own way

QUERIES = ["低保", "违建", "托育", "噪音", "罚", "烟花爆竹", "消防安全检查", "宅基地建房", "区应急管理局", "电鱼",
           "低保 违建", "垃圾 河道", "测试镇00001", "本镇", "殡葬", "B75", "110", "乱搭乱建", "每年", "天", "部门"]
FILTERS = [{}, {"kind": "cooperative"}, {"town": "测试镇00002"}, {"category": "平安法治"},
           {"department": "区应急管理局"}, {"kind": "reclaimed", "town": "珞璜镇"}, {"town": "不存在镇"}]


def towns(count: int = 4) -> list:
    base, rng = bundled_dataset(), random.Random(3)
    return [base] + [variant(base, n, rng) for n in range(count)]


def stored(database_url: str, count: int) -> tuple[list, Store]:
    """The bundled lists and `count` variants, saved in bulk; and the store."""
    datasets = towns(count)
    store = Store(database_url)
    with store.transaction() as session:
        save_datasets(session, datasets, "variants.json", documents=make_documents)
    return datasets, store


def answer(result) -> tuple:
    data = result.to_dict()
    return ([(h["town"], h["code"]) for h in data["items"]], data["total"], data["facets"], data["words"])


def same_answers(engine: SearchEngine, database: DatabaseSearch) -> None:
    for query in QUERIES:
        for filters in FILTERS:
            for offset in (0, 25):
                expected = answer(engine.search(query, limit=25, offset=offset, **filters))
                assert answer(database.search(query, limit=25, offset=offset, **filters)) == expected, (query, filters)


def test_database_search_answers_as_the_engine(database_url):
    """Bundled lists and variants saved in bulk: the same hits in the same order, totals, facets and words."""
    datasets = towns()
    store = Store(database_url)
    with store.transaction() as session:
        save_datasets(session, datasets, "variants.json", documents=make_documents)
        documents = session.scalar(select(func.count(SearchDocumentRow.id)))
        postings = session.scalar(select(func.count()).select_from(SearchPostingRow))
        assert session.scalar(select(func.count()).where(ItemRow.document_id.is_(None))) == 0
    engine = SearchEngine(datasets, search_tokenizer())
    assert documents == len(engine._docs) and postings > 10 * documents  # one document per distinct content
    same_answers(engine, DatabaseSearch(store))
    store.close()


def test_import_writes_postings_and_a_new_version_replaces_the_old(database_url):
    """One town at a time through the import path; a re-import (new version in force today) replaces what counts."""
    store = Store(database_url)
    first = bundled_dataset()
    with store.transaction() as session:
        save_dataset(session, first, "v1.json", documents=make_documents)
    search = DatabaseSearch(store)
    assert search.search("托育").total > 0 and search.search("独角兽").total == 0
    second = dataclasses.replace(first, items=[dataclasses.replace(i, title=i.title + "独角兽") if i.code == "B1" else i
                                               for i in first.items])
    old_title = next(i.title for i in first.items if i.code == "B1")
    with store.transaction() as session:
        save_dataset(session, second, "v2.json", label="v2", documents=make_documents)
        assert session.scalar(select(VersionRow.indexed).order_by(VersionRow.id.desc()).limit(1)) is True
    search = DatabaseSearch(store)  # one object answers for the versions counted when it first searched
    found = search.search("独角兽")
    assert (found.total, [h.item.code for h in found.hits]) == (1, ["B1"])
    assert all(h.item.title != old_title for h in search.search(old_title, limit=500).hits)
    same_answers(SearchEngine([second], search_tokenizer()), search)  # statistics are the new version's only
    store.close()


def test_a_future_version_is_not_searched_until_its_date(database_url):
    store = Store(database_url)
    base = bundled_dataset()
    later = dataclasses.replace(base, items=[dataclasses.replace(i, title="麒麟" + i.title) if i.code == "C74" else i
                                             for i in base.items])
    day = date.today() + timedelta(days=30)
    with store.transaction() as session:
        save_dataset(session, base, "now.json", documents=make_documents)
        save_dataset(session, later, "later.json", label="明年版", effective_date=day, documents=make_documents)
    search = DatabaseSearch(store)
    assert search.search("麒麟").total == 0
    with store.transaction() as session:
        assert recount(session, day) == 1  # the day comes: the town switches to the new version
    search = DatabaseSearch(store)
    assert [h.item.code for h in search.search("麒麟").hits] == ["C74"]
    same_answers(SearchEngine([later], search_tokenizer()), search)
    store.close()


def test_lists_saved_without_documents_are_indexed_before_the_first_search(database_url, monkeypatch):
    """A writer that hands no documents (an older lvzhi, a test): the catalog indexes the version first."""
    monkeypatch.setenv(ENV_IN_MEMORY_SEARCH, "0")  # every search in the database
    store = Store(database_url)
    datasets = towns(2)
    with store.transaction() as session:
        for dataset in datasets:
            save_dataset(session, dataset, "plain.json")
        assert session.scalar(select(func.count(SearchCountedRow.town_id))) == 0
    catalog = Catalog(store)
    same_answers(SearchEngine(datasets, search_tokenizer()), catalog.search_engine())
    with store.transaction() as session:
        assert not session.scalar(select(func.count()).where(VersionRow.indexed.is_(False)))
        assert session.get(SearchTotalsRow, 1).as_of == date.today()
    store.close()


def test_the_catalog_searches_in_memory_up_to_the_threshold_and_in_the_database_beyond(database_url, monkeypatch):
    datasets = towns(2)
    store = Store(database_url)
    with store.transaction() as session:
        save_datasets(session, datasets, "variants.json", documents=make_documents)
        documents = session.get(SearchTotalsRow, 1).documents
    answers = {}
    for threshold, kind in ((documents, SearchEngine), (documents - 1, DatabaseSearch)):
        monkeypatch.setenv(ENV_IN_MEMORY_SEARCH, str(threshold))
        search = Catalog(store).search_engine()
        assert type(search) is kind
        answers[kind] = [answer(search.search(q, limit=25, **f)) for q in QUERIES for f in FILTERS]
    assert answers[SearchEngine] == answers[DatabaseSearch]
    store.close()


@pytest.mark.parametrize("in_memory", ["12000", "0"], ids=["engine", "database search"])
def test_department_summaries_and_pages_by_sql(database_url, in_memory, monkeypatch):
    """The department list (counted from either search's entries) and a department's page (in the database), as
    from the lists themselves."""
    monkeypatch.setenv(ENV_IN_MEMORY_SEARCH, in_memory)
    datasets, store = stored(database_url, 3)
    catalog = Catalog(store)
    expected: dict[str, list] = {}
    for dataset in datasets:
        for item in dataset.items:
            for name in item.named_departments():
                if is_body(name):
                    row = expected.setdefault(name, [0, 0, set()])
                    row[0 if item.list == "cooperative" else 1] += 1
                    row[2].add(dataset.town.name)
    assert {d.name: [d.cooperative, d.reclaimed, d.towns] for d in catalog.departments()} == {
        name: [c, r, len(t)] for name, (c, r, t) in expected.items()}
    entries = [(d.town.name, item) for d in datasets for item in d.items]
    for name in ("区应急管理局", "区卫生健康委"):
        assert catalog.department(name).to_dict() == department_view(name, entries).to_dict()
    assert catalog.department_name("区应急局") == "区应急管理局"
    store.close()


def test_migration_indexes_lists_already_stored(database_url):
    """A database at 0013 with lists: upgrading indexes them and counts the version in force."""
    from helpers import at_revision
    from lvzhi.store.repository import _item_values

    dataset = bundled_dataset()
    with at_revision(database_url, "0013") as connection:
        connection.execute(text("INSERT INTO towns (id, name, district, city) VALUES (1, '珞璜镇', '江津区', '重庆市')"))
        connection.execute(text("INSERT INTO list_versions (id, town_id, label, source_name, sha256, imported_at) "
                                "VALUES (1, 1, 'v1', 'x', :sha, CURRENT_TIMESTAMP)"), {"sha": "1" * 64})
        connection.execute(ItemRow.__table__.insert(), [
            {k: v for k, v in {**_item_values(item, 1), "kind": None, "list": item.list}.items() if k != "kind"}
            for item in dataset.items])
    store = Store(database_url)  # upgrades to the newest revision
    same_answers(SearchEngine([dataset], search_tokenizer()), DatabaseSearch(store))
    store.close()


def test_two_imports_at_once_that_bring_the_same_new_words_both_succeed(database_url):
    """Town A's import has written a new word and document and not committed yet when town B's import, with the
    same new word in another item, starts: B waits for A instead of failing on the word's unique key."""
    import threading
    import time

    base = bundled_dataset()
    store = Store(database_url)

    def town(name: str, title: str):
        items = [dataclasses.replace(i, title=title) if i.code == "B1" else i for i in base.items]
        return dataclasses.replace(base, town=dataclasses.replace(base.town, name=name), items=items)

    first, second = town("甲镇", "麒麟兽看护甲"), town("乙镇", "麒麟兽看护乙")
    outcome: dict = {}

    def import_second() -> None:
        try:
            with store.transaction() as session:
                save_dataset(session, second, "b.json", documents=make_documents)
            outcome["ok"] = True
        except Exception as exc:  # noqa: BLE001 - the failure is what the test reports
            outcome["error"] = exc

    with store.transaction() as session:
        save_dataset(session, first, "a.json", documents=make_documents)
        racing = threading.Thread(target=import_second)
        racing.start()
        time.sleep(1.0)  # B reaches the new words while A still holds them uncommitted
    racing.join(timeout=60)
    assert outcome == {"ok": True}, outcome
    found = DatabaseSearch(store).search("麒麟兽")
    assert sorted(h.town for h in found.hits) == ["乙镇", "甲镇"]
    store.close()
