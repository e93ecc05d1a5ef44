"""A province's towns on one worker: loaded when asked for, identical lists sharing one resolver, a cache held
to its budget, and a new version invalidating only what spans towns."""
from __future__ import annotations

import copy

from fastapi.testclient import TestClient

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.lists.cache import BudgetLRU
from lvzhi.lists.catalog import Catalog
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.web import create_app

from sample_lists import copied_towns as _towns


def test_the_server_starts_without_loading_every_town(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    names = _towns(store, 4, changed={1, 2, 3})
    app = create_app(store)
    catalog = app.state.catalog
    assert catalog.held("resolver") == 1  # the default town only
    client = TestClient(app)
    response = client.post("/api/v1/resolve", json={"text": "有人在河里电鱼", "town": names[2]})
    assert response.status_code == 200
    assert catalog.held("resolver") == 2


def test_towns_with_identical_lists_share_one_resolver_but_answer_in_their_own_name(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    names = _towns(store, 3, changed={2})
    catalog = Catalog(store)
    first, second, other = (catalog.resolver(n) for n in names)
    assert catalog.held("resolver") == 2
    assert first.index is second.index and first.knowledge is second.knowledge
    assert other.index is not first.index
    assert (first.town, second.town) == (names[0], names[1])
    basic = next(i for i in catalog.dataset(names[1]).items if i.list == "basic")
    answer = second.resolve(basic.title)
    assert answer.verdict == "basic" and answer.lead == names[1]


def test_the_cache_keeps_to_its_budget_and_drops_the_least_recently_used():
    cache: BudgetLRU[str] = BudgetLRU(budget_bytes=250)
    for key in "abc":
        cache.get(key, lambda k=key: k.upper(), lambda value: 100)
    assert "a" not in cache and "b" in cache and "c" in cache and cache.used == 200
    cache.get("b", lambda: "never built", lambda value: 100)  # a hit: b becomes the most recent
    cache.get("d", lambda: "D", lambda value: 100)
    assert "c" not in cache and "b" in cache and cache.stats()["evictions"] == 2


def test_a_small_budget_rebuilds_evicted_resolvers_and_answers_the_same(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    names = _towns(store, 3, changed={0, 1, 2})
    catalog = Catalog(store, cache_mb=2.5)  # room for about one town's lists and resolver
    before = catalog.resolver(names[0]).resolve("噪音扰民").to_dict()
    catalog.resolver(names[1])
    catalog.resolver(names[2])
    assert catalog.held("resolver") < 3 and catalog.cache.used <= catalog.cache.budget
    assert catalog.cache.stats()["evictions"] > 0
    assert catalog.resolver(names[0]).resolve("噪音扰民").to_dict() == before


def test_the_memory_estimates_hold_for_a_town_whose_lists_differ(tmp_path):
    """What the budget counts for a resolver and a dataset is what they take (within a factor of two),
    measured with tracemalloc on a town whose lists differ from every other town's."""
    import gc
    import tracemalloc

    from lvzhi.lists.catalog import BYTES_PER_ITEM_MADE, DATASET_BYTES_PER_ITEM
    from lvzhi.resolve import Resolver
    from lvzhi.store.reading import ItemPool, load_dataset

    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    names = _towns(store, 2, changed={0, 1})
    catalog = Catalog(store)
    Resolver(catalog.dataset(names[0]))  # the tokenizer and the process-wide vocabulary, loaded once
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with store.transaction() as session:
            dataset, made = load_dataset(session, catalog.version(names[1]).id, ItemPool())
        gc.collect()
        dataset_bytes = tracemalloc.get_traced_memory()[0] - before
        resolver = Resolver(dataset)
        gc.collect()
        resolver_bytes = tracemalloc.get_traced_memory()[0] - before - dataset_bytes
    finally:
        tracemalloc.stop()
    estimate = DATASET_BYTES_PER_ITEM * len(dataset.items) + BYTES_PER_ITEM_MADE * made
    assert made == len(dataset.items)  # a pool of its own: every item made anew
    assert estimate / 2 <= dataset_bytes <= estimate * 2
    assert resolver.footprint / 2 <= resolver_bytes <= resolver.footprint * 2, (resolver_bytes, resolver.footprint)


def test_a_new_version_of_one_town_keeps_the_other_towns_resolvers(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    names = _towns(store, 2, changed={0, 1})
    catalog = Catalog(store, refresh_seconds=0)
    kept = catalog.resolver(names[0])
    before = catalog.search_engine()
    assert set(before.search("噪音").facets["town"]) == set(names)
    dataset = copy.deepcopy(catalog.dataset(names[1]))
    dataset.items[1].title += "（新）"
    with store.transaction() as session:
        save_dataset(session, dataset, source_name="new.json")
    assert catalog.resolver(names[0]) is kept  # the other town's resolver stays
    assert catalog.search_engine() is not before  # what spans towns is rebuilt
    assert catalog.dataset(names[1]).items[1].title.endswith("（新）")


def _post_form(url: str, fields: dict) -> int:
    import urllib.error
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={"Origin": url.rsplit("/", 1)[0]})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_workers_share_versions_and_login_throttling_through_postgresql(tmp_path):
    import json
    import subprocess
    import sys
    import time
    import urllib.request

    from conftest import fresh_database
    from helpers import lvzhi
    from webserver import free_port

    with fresh_database("postgresql", tmp_path) as database:
        assert lvzhi(database, "user", "add", "boss", "--role", "admin", "--password", "admin-pass-1").returncode == 0
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "lvzhi", "serve", "--database", database, "--port", str(port),
                                   "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"

        def towns() -> set[str]:
            with urllib.request.urlopen(base + "/api/v1/towns", timeout=30) as response:
                return {t["name"] for t in json.loads(response.read())["towns"]}

        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    seen = towns()
                    break
                except OSError:
                    assert server.poll() is None, server.stderr.read().decode()
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            for _ in range(20):  # both workers answer and hold the catalog as it is now
                assert towns() == seen
            store = Store(database)
            _towns(store, 1)  # published by another process, as `lvzhi import` on another host would
            store.close()
            time.sleep(2.5)  # the catalog's refresh interval (1 s), with room
            for _ in range(20):
                assert "测试镇00" in towns()
            # failed logins counted in the database: the sixth is refused whichever worker receives it
            statuses = [_post_form(base + "/login", {"username": "boss", "password": "wrong-pass"}) for _ in range(6)]
            assert statuses[:5] == [401] * 5 and statuses[5] == 429
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_many_towns_stored_at_once_read_back_as_stored_one_by_one(tmp_path):
    """save_datasets (a province in a few statements) stores what save_dataset would: the same content hash,
    items and departments; a town already there gets a new version the ordinary way."""
    import dataclasses

    from lvzhi.store.reading import dataset_of, town_records
    from lvzhi.store.repository import dataset_sha256, save_datasets

    base = bundled_dataset()
    datasets = []
    for n in range(3):
        items = list(base.items)
        items[n] = dataclasses.replace(items[n], title=items[n].title + f"（{n}）")
        datasets.append(type(base)(type(base.town)(f"批量镇{n}", "测试区", "重庆市"), base.version, items, []))
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    with store.transaction() as session:
        save_dataset(session, copy.deepcopy(datasets[0]), source_name="one.json")
    with store.transaction() as session:
        results = save_datasets(session, datasets, source_name="many.json")
    assert [r.created for r in results] == [False, True, True]  # 批量镇0's content is there already
    with store.transaction() as session:
        records = {r.name: r for r in town_records(session)}
        for dataset in datasets:
            version = records[dataset.town.name].versions[-1]
            assert version.sha256 == dataset_sha256(dataset) and version.items == len(base.items)
            assert dataset_of(session, version.id).to_dict() == dataset.to_dict()
    # the departments the items name are linked as one by one: the same links for each town's version
    from sqlalchemy import func, select

    from lvzhi.store.schema import ItemDepartmentRow, ItemRow

    with store.transaction() as session:
        links = [session.scalar(select(func.count()).select_from(ItemDepartmentRow).join(ItemRow).where(
            ItemRow.version_id == records[d.town.name].versions[-1].id)) for d in datasets]
    assert links[0] > 300 and len(set(links)) == 1


def test_item_counts_are_counted_once_per_version_and_right_for_new_ones(tmp_path):
    """The catalog counts a version's items when it first sees the version (they never change), so a new
    version of one town does not make it group every item row of the province again."""
    from lvzhi.store.reading import town_records

    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    names = _towns(store, 2, changed={1})
    counted: dict = {}
    with store.transaction() as session:
        first = town_records(session, counted)
    assert [t.versions[0].items for t in first] == [402, 402] and len(counted) == 2
    smaller = copy.deepcopy(bundled_dataset())
    smaller.town.name = names[0]
    del smaller.items[-1]
    with store.transaction() as session:
        save_dataset(session, smaller, source_name="smaller.json")
    counted[(first[1].versions[0].id, first[1].versions[0].sha256)] = -1  # a count never asked for again
    with store.transaction() as session:
        again = {t.name: t for t in town_records(session, counted)}
    assert [v.items for v in again[names[0]].versions] == [402, 401]
    assert again[names[1]].versions[0].items == -1  # read from what was counted before, not counted again
