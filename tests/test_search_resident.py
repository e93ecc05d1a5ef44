"""What a worker holds of the database's search (lvzhi.search.resident): kept up to date as lists are imported,
held to its budget, and never taken for the texts where normalising changed them (SQLite and PostgreSQL)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import select, text

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.search.database import DatabaseSearch
from lvzhi.search.documents import joints, make_documents, search_tokenizer
from lvzhi.search.engine import SearchEngine
from lvzhi.search.resident import SearchMemory
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset, save_datasets
from lvzhi.store.schema import SearchDocumentRow
from test_search_database import answer, same_answers, stored


def renamed(dataset, name: str, titles: dict[str, str]):
    items = [dataclasses.replace(i, title=titles[i.code]) if i.code in titles else i for i in dataset.items]
    return dataclasses.replace(dataset, town=dataclasses.replace(dataset.town, name=name), items=items)


def test_documents_whose_text_normalising_changes_are_read_not_assumed(database_url):
    """Full-width letters and capitals are not what the terms were cut from: such a document is read to tell
    whether it holds the query, and answers stay the engine's."""
    base = bundled_dataset()
    odd = renamed(base, "甲镇", {"B1": "ＰＭ２.５监测与托育服务", "B2": "PM2.5监测", "C3": "pm2.5监测",
                                "B4": "G348 国道养护"})
    datasets = [base, odd]
    store = Store(database_url)
    with store.transaction() as session:
        save_datasets(session, datasets, "odd.json", documents=make_documents)
        literal = dict(session.execute(select(SearchDocumentRow.title, SearchDocumentRow.literal)).all())
    assert literal["ＰＭ２.５监测与托育服务"] is False
    assert literal["PM2.5监测"] is True and literal["pm2.5监测"] is True  # capitals: their case only
    # full-width punctuation is no token's and capitals differ by case only: all the lists' texts are literal
    assert sum(1 for v in literal.values() if not v) == 1
    engine, database = SearchEngine(datasets, search_tokenizer()), DatabaseSearch(store)
    for query in ("PM2.5", "pm2.5", "ＰＭ２.５", "监测", "2.5监测", "托育", "托育服务", "APP", "app", "M2", "5监",
                  "G348 国道", "8 国道养护", "g348 国道", "区应急管理局 区公安局", "区公安局 区应急管理局", "。 负责"):
        expected = answer(engine.search(query, limit=25))
        assert answer(database.search(query, limit=25)) == expected, query
    titles = {h.item.title for h in database.search("PM2.5", limit=50).hits}
    assert {"ＰＭ２.５监测与托育服务", "PM2.5监测"} <= titles
    assert database.search("8 国道养护").hits[0].item.title == "G348 国道养护"  # a space inside a title
    store.close()


def test_a_new_search_takes_in_documents_imported_since(database_url):
    """The memory outlives one DatabaseSearch: held postings and characters take in what a later import adds,
    and answers equal a fresh memory's and the engine's."""
    datasets, store = stored(database_url, 2)
    memory = SearchMemory()
    before = DatabaseSearch(store, memory=memory)
    for query in ("托育", "罚", "麒麟"):
        before.search(query)
    held, watermark = memory.stats()["held"], memory.watermark
    newcomer = renamed(bundled_dataset(), "新镇", {"B1": "麒麟托育罚则", "B5": "托育机构麒麟巡查"})
    with store.transaction() as session:
        save_dataset(session, newcomer, "new.json", documents=make_documents)
    after = DatabaseSearch(store, memory=memory)
    engine = SearchEngine([*datasets, newcomer], search_tokenizer())
    for query in ("托育", "罚", "麒麟", "麒麟托育"):
        for filters in ({}, {"town": "新镇"}):
            expected = answer(engine.search(query, limit=25, **filters))
            assert answer(after.search(query, limit=25, **filters)) == expected, (query, filters)
            assert answer(DatabaseSearch(store).search(query, limit=25, **filters)) == expected
    assert memory.watermark > watermark and memory.stats()["held"] >= held
    assert [h.item.code for h in after.search("麒麟").hits] == ["B1", "B5"]
    assert before.search("麒麟").total == 0  # the old object answers for the versions it counted
    store.close()


def test_a_budget_too_small_to_hold_anything_gives_the_same_answers(database_url):
    datasets, store = stored(database_url, 2)
    memory = SearchMemory(budget=1)
    same_answers(SearchEngine(datasets, search_tokenizer()), DatabaseSearch(store, memory=memory))
    assert memory.stats()["held"] <= 1
    store.close()


def test_joints_are_the_characters_either_side_of_each_space():
    assert joints("负责巡查。 负责上报。 区应急管理局 区公安局") == "。负。区局区"
    assert joints(" 首尾 ") == ""  # a space at either end joins nothing


def test_migration_0015_tells_the_documents_stored_before_whether_they_are_literal(database_url):
    from helpers import at_revision

    columns = ("digest, kind, category, title, body, departments, title_length, body_length, departments_length, "
               "entries")
    with at_revision(database_url, "0014") as connection:
        for n, title in enumerate(["托育服务", "ＰＭ２.５监测", "Ａ级景区", "APP推广"]):
            connection.execute(text(f"INSERT INTO search_documents ({columns}) VALUES "
                                    f"(:digest, 'basic', '其他', :title, '负责', '', 1, 1, 1, 0)"),
                               {"digest": f"{n:032d}", "title": title})
    store = Store(database_url)
    with store.transaction() as session:
        marked = dict(session.execute(select(SearchDocumentRow.title, SearchDocumentRow.literal)).all())
    assert marked == {"托育服务": True, "ＰＭ２.５监测": False, "Ａ级景区": False, "APP推广": True}
    with store.transaction() as session:
        assert session.scalar(select(SearchDocumentRow.joints).where(SearchDocumentRow.title == "Ａ级景区")) == "区负"
    store.close()


def test_reading_ahead_holds_the_common_terms_and_answers_alike(database_url):
    """What a server reads in the background at start: the counted entries, and the most common terms' postings
    within their share of the budget; searches then answer as the engine does."""
    datasets, store = stored(database_url, 2)
    memory = SearchMemory(budget=2**19)
    search = DatabaseSearch(store, memory=memory)
    search.warm()
    stats = memory.stats()
    assert stats["versions"] == len(datasets) and stats["documents"] > 0
    assert 10 <= stats["held"] and stats["held_mib"] <= 0.5 * 0.6  # within its share of the budget
    held = [n for kind, n in memory._held if kind == "term"]
    assert max(memory.frequency, key=memory.frequency.get) in held  # the commonest first
    assert len(held) < len(memory.frequency)  # the budget did not hold them all
    with store.transaction() as session:
        assert memory.hold_common(session) == 0  # nothing more fits
    same_answers(SearchEngine(datasets, search_tokenizer()), search)
    store.close()


def test_a_server_reads_ahead_only_where_the_lists_in_force_are_many(database_url, monkeypatch):
    """`lvzhi serve` calls warm_search at start: a province's search data is read ahead; a few towns' are not (the
    first search loads them in well under a second, and a worker that never searches does not hold them)."""
    from lvzhi.lists import catalog as catalogs

    monkeypatch.setenv(catalogs.ENV_IN_MEMORY_SEARCH, "0")
    _, store = stored(database_url, 2)
    few = catalogs.Catalog(store)
    few.warm_search()
    assert few.search_memory.stats()["versions"] == 0
    monkeypatch.setattr(catalogs, "READ_AHEAD_DOCUMENTS", 100)
    many = catalogs.Catalog(store)
    many.warm_search()
    assert many.search_memory.stats()["versions"] == 3 and many.search_memory.stats()["held"] > 0
    store.close()
