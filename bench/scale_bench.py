"""Many towns in one database: import time, database size, search and department-view latency.

    python bench/scale_bench.py --towns 1000 [--database sqlite:///path.db | postgresql://…]

Loads N renamed copies of 珞璜镇 (each one import, one transaction), then times a fixed query mix through
the search engine built over every town's current lists, and the department view.
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import tempfile
import time

from sqlalchemy import text

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.search.engine import SearchEngine
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.lists.catalog import Catalog
from lvzhi.lists.departments import department_view

QUERIES = ["低保", "违建", "托育", "噪音", "罚", "烟花爆竹", "消防安全检查", "宅基地建房", "区应急管理局", "电鱼",
           "村道上摩托车不戴头盔", "养殖场动物防疫条件"]
DEPARTMENTS = ["区应急管理局", "区卫生健康委", "区住房城乡建委"]


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def _size(store: Store, url: str) -> str:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        total = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        return f"{total / 2**20:.1f} MiB"
    with store.engine.connect() as connection:
        return connection.execute(text("select pg_size_pretty(pg_database_size(current_database()))")).scalar()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--towns", type=int, default=1000)
    parser.add_argument("--database", default=None, help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/scale.db"
    store = Store(url)
    base = bundled_dataset()
    imports = []
    for n in range(args.towns):
        dataset = copy.deepcopy(base)
        dataset.town.name = f"测试镇{n:04d}"
        dataset.items[0].title += f"（{n}）"  # distinct content, so every copy is a real new version
        started = time.perf_counter()
        with store.transaction() as session:
            save_dataset(session, dataset, source_name="copy.json")
        imports.append(time.perf_counter() - started)
    print(f"database: {url.split('://')[0]}, towns: {args.towns}, items: {args.towns * len(base.items)}")
    print(f"import per town: median {statistics.median(imports) * 1000:.0f} ms, max {max(imports) * 1000:.0f} ms")
    print(f"database size: {_size(store, url)}")

    started = time.perf_counter()
    datasets = Catalog(store).current_datasets()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    engine = SearchEngine(datasets)
    built = time.perf_counter() - started
    print(f"load current lists of all towns: {loaded:.1f} s; build search index: {built:.1f} s")
    timings = []
    for _ in range(3):
        for query in QUERIES:
            started = time.perf_counter()
            engine.search(query)
            timings.append(time.perf_counter() - started)
    print(f"search ({len(timings)} queries): p50 {_percentile(timings, 0.5):.1f} ms, p99 {_percentile(timings, 0.99):.1f} ms")
    views = []
    for name in DEPARTMENTS:
        started = time.perf_counter()
        department_view(datasets, name)
        views.append(time.perf_counter() - started)
    print(f"department view: median {statistics.median(views) * 1000:.0f} ms, max {max(views) * 1000:.0f} ms")
    store.close()


if __name__ == "__main__":
    main()
