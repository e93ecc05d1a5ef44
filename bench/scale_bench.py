"""A province in one database: start time, memory, import time, and search/resolve latency of `lvzhi serve`.

    python bench/scale_bench.py --towns 1000 [--database sqlite:///path.db | postgresql://…] [--touch 200]
    python bench/scale_bench.py --towns 1000 --database sqlite:///p.db --keep     # generate once …
    python bench/scale_bench.py --towns 1000 --database sqlite:///p.db --reuse    # … measure again

Generates N towns from the bundled 珞璜镇 with realistic variation — in each town 5–15% of items worded its
own way (a title or a note), some categories renamed, and in one town of five one basic item missing so that
the numbering after it shifts — and stores them through the store layer in large transactions
(`save_datasets`, 200 towns a transaction). Then it starts `lvzhi serve` as a user does and measures over HTTP:

* import: one town through the ordinary path (`save_dataset`, as `lvzhi import` does), median of 20;
* start: seconds from launching the process to the first answered /healthz and to the first answered page
  that resolves a question in the default town, and the RSS then;
* touching K different towns (one resolve each: the town's lists and resolver load), and RSS after;
* resolve p50/p99 over ≥ 1,000 unique texts (no text twice) in the towns touched; and, labelled as such,
  over the same 20 texts repeated (caches hit);
* cross-town search p50/p99 over ≥ 1,000 unique queries, answered by the database (the first search reported
  on its own), and RSS after;
* a town publishing while the server runs: the first search after it, and 200 unique queries then.

Percentiles come from every sample (n is printed); where n < 100 the "p99" is printed as the maximum.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from itertools import product
from urllib.parse import quote

from sqlalchemy import func, select, text

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.model import Dataset, Town
from lvzhi.search.documents import make_documents
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset, save_datasets
from lvzhi.store.schema import TownRow
from resolve_bench import unique_texts  # the same unique texts as the in-process bench
from start_bench import rss_mib, start_once, stop

SEARCH_WORDS = ["低保", "违建", "托育", "噪音", "罚", "烟花爆竹", "消防安全检查", "宅基地建房", "区应急管理局", "电鱼",
                "摩托车", "动物防疫", "垃圾", "殡葬", "征兵", "就业", "地质灾害", "河道", "食品安全", "残疾人"]
BATCH = 200


def variant(base: Dataset, n: int, rng: random.Random) -> Dataset:
    """Town n: the template with 5–15% of its items worded its own way, some categories renamed, and (one town
    in five) a basic item missing, the numbers after it shifted. Unchanged items are the template's objects."""
    town = Town(f"测试镇{n:05d}", f"测试区{n // 30:03d}", base.town.city)
    items = list(base.items)
    for k in rng.sample(range(len(items)), int(len(items) * rng.uniform(0.05, 0.15))):
        item = items[k]
        changes: dict = {"title": f"{item.title}（{town.name}）"} if rng.random() < 0.6 else {
            "note": f"{town.name}按本镇实际执行。{item.note or ''}"}
        if rng.random() < 0.2 and item.category:
            changes["category"] = item.category + "类"
        items[k] = dataclasses.replace(item, **changes)
    if n % 5 == 4:
        basic = [k for k, item in enumerate(items) if item.list == "basic"]
        gone = rng.choice(basic[:-1])
        for k in basic[basic.index(gone) + 1:]:
            items[k] = dataclasses.replace(items[k], number=items[k].number - 1, code=f"B{items[k].number - 1}")
        del items[gone]
    return Dataset(town, base.version, items, [])


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    top = f"p99 {p(0.99):.1f} ms" if len(values) >= 100 else f"max {values[-1] * 1000:.1f} ms"
    return f"p50 {p(0.5):.1f} ms, {top} (n={len(values)})"


def call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def generate(store: Store, towns: int, rng: random.Random) -> float:
    """Stores `towns` variants of the bundled lists; returns the seconds it took."""
    base = bundled_dataset()
    started = time.perf_counter()
    for first in range(0, towns, BATCH):
        batch = [variant(base, n, rng) for n in range(first, min(towns, first + BATCH))]
        with store.transaction() as session:
            save_datasets(session, batch, source_name="variant.json", documents=make_documents)
        print(f"  stored {first + len(batch)}/{towns} towns, {time.perf_counter() - started:.0f} s", flush=True)
    analyse(store)  # as after any bulk load: the planner's statistics (and PostgreSQL's visibility map)
    return time.perf_counter() - started


def analyse(store: Store) -> None:
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if store.engine.dialect.name == "postgresql" else "ANALYZE"))


def import_times(store: Store, rng: random.Random, count: int = 20) -> list[float]:
    """One town at a time through the ordinary import path (one transaction each), as `lvzhi import` does."""
    base, times = bundled_dataset(), []
    for n in range(count):
        dataset = variant(base, 900_000 + n, rng)
        dataset.town.name = f"导入镇{n:02d}{rng.randrange(10**6):06d}"
        started = time.perf_counter()
        with store.transaction() as session:
            save_dataset(session, dataset, source_name="variant.json", documents=make_documents)
        times.append(time.perf_counter() - started)
    return times


def database_size(store: Store, url: str) -> str:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        return f"{sum(os.path.getsize(p) for p in (path, path + '-wal') if os.path.exists(p)) / 2**20:.0f} MiB"
    with store.engine.connect() as connection:
        return connection.execute(text("select pg_size_pretty(pg_database_size(current_database()))")).scalar()


def after_import(store_url: str, base_url: str, rng: random.Random, queries: list[str]) -> None:
    """A town publishes while the server runs: the first search after it (the server notices within its freshness
    window, reads the new documents and the town's entries, counts anew) and the unique queries that follow."""
    store = Store(store_url)
    dataset = variant(bundled_dataset(), 950_000, rng)
    dataset.town.name = f"新发布镇{time.time_ns() % 10**9:09d}"  # a new town each run (--reuse)
    with store.transaction() as session:
        save_dataset(session, dataset, source_name="variant.json", documents=make_documents)
    store.close()
    time.sleep(1.5)  # the server's freshness window (1 s)
    first = timed(call, f"{base_url}/api/v1/search?q={quote('托育')}")
    counted = call(f"{base_url}/api/v1/search?q={quote('托育')}&town={quote(dataset.town.name)}")["total"]
    searches = [timed(call, f"{base_url}/api/v1/search?q={quote(q)}") for q in queries]
    print(f"after one town publishes (its items found for 托育: {counted}): first search {first:.2f} s; "
          f"then unique queries: {percentiles(searches)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=1000)
    parser.add_argument("--database", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--reuse", action="store_true", help="measure a database generated before (no generation)")
    parser.add_argument("--touch", type=int, default=200, help="how many different towns to resolve in")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("LVZHI_RATE_LIMITS", "off")  # the server measured: latency, not the per-client limits
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/scale.db"
    rng = random.Random(19)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores; "
          f"commit {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    store = Store(url)
    if not args.reuse:
        seconds = generate(store, args.towns, rng)
        print(f"generated {args.towns} towns in {seconds:.0f} s")
        imports = import_times(store, rng)
        print(f"import one town (save_dataset, one transaction): median {statistics.median(imports) * 1000:.0f} ms, "
              f"max {max(imports) * 1000:.0f} ms (n={len(imports)})")
    with store.transaction() as session:
        names = [n for n in session.scalars(select(TownRow.name).order_by(TownRow.id)) if n.startswith("测试镇")]
        total = session.scalar(select(func.count(TownRow.id)))
    print(f"database: {url.split('://')[0]}, towns: {total}, size {database_size(store, url)}", flush=True)
    store.close()

    started = start_once(url, workers=args.workers, keep=True)
    server, base_url = started["process"], started["base"]
    try:
        print(f"start: first /healthz {started['healthz_s']:.1f} s, first answered question "
              f"{started['page_s']:.1f} s; RSS {started['rss_mib']:.0f} MiB", flush=True)
        touched = rng.sample(names, min(args.touch, len(names)))
        texts = unique_texts(len(touched) + args.samples)
        cold = [timed(call, base_url + "/api/v1/resolve", {"text": texts[k % len(texts)], "town": town})
                for k, town in enumerate(touched)]
        print(f"first resolve in each of {len(touched)} towns (loads the town): {percentiles(cold)}; "
              f"RSS after {rss_mib(server.pid):.0f} MiB", flush=True)
        unique = [timed(call, base_url + "/api/v1/resolve", {"text": t, "town": touched[k % len(touched)]})
                  for k, t in enumerate(texts[len(touched):len(touched) + args.samples])]
        print(f"resolve, unique texts (never one twice), round all {len(touched)} towns touched (towns beyond what "
              f"the cache holds are loaded again): "
              f"{percentiles(unique)}; RSS after {rss_mib(server.pid):.0f} MiB; cache {call(base_url + '/healthz')['cache']}",
              flush=True)
        recent = touched[-20:]  # towns the cache holds: the resolver is there, only the text is new
        texts = unique_texts(len(touched) + 2 * args.samples)[len(touched) + args.samples:]
        held = [timed(call, base_url + "/api/v1/resolve", {"text": t, "town": recent[k % len(recent)]})
                for k, t in enumerate(texts)]
        print(f"resolve, unique texts (never one twice), round the 20 towns touched last (held in the cache): "
              f"{percentiles(held)}", flush=True)
        repeated = [timed(call, base_url + "/api/v1/resolve", {"text": texts[k % 20], "town": touched[0]})
                    for k in range(args.samples)]
        print(f"resolve, REPEATED texts (the same 20 again and again: caches hit), one town: "
              f"{percentiles(repeated)}", flush=True)
        first = timed(call, f"{base_url}/api/v1/search?q={quote('低保')}")
        queries = [" ".join(words) for size in (1, 2, 3) for words in product(SEARCH_WORDS, repeat=size)
                   if len(set(words)) == size]
        rng.shuffle(queries)
        searches = [timed(call, f"{base_url}/api/v1/search?q={quote(q)}") for q in queries[:args.samples]]
        print(f"first search (answered by the database; checks every version is indexed and counted): {first:.2f} s; "
              f"search, unique queries, every town: {percentiles(searches)}; RSS after {rss_mib(server.pid):.0f} MiB; "
              f"held for search {call(base_url + '/healthz').get('search')}", flush=True)
        after_import(store_url=url, base_url=base_url, rng=rng, queries=queries[args.samples:args.samples + 200])
    finally:
        stop(server)


if __name__ == "__main__":
    main()
