"""A province in one database: start time, memory, import time, and search/resolve latency of `lvzhi serve`.

    python bench/scale_bench.py --towns 1000 [--database sqlite:///path.db | postgresql://…] [--touch 200]

Generates N towns from the bundled 珞璜镇 with realistic variation (in each town 5–15% of items differ: a title
or duty worded its own way, some categories renamed), imports each (one transaction), then starts `lvzhi serve`
as a user does and measures, over HTTP on this machine:

* start: seconds from launching the process to the first answered request, and its RSS then;
* touching K different towns (one resolve each, cold: the town's lists and resolver load), and RSS after;
* resolve p50/p99 over ≥ 1,000 unique texts (never the same text twice) in towns already touched, and over
  repeated texts (labelled as such: the same 20 texts again and again);
* search p50/p99 over ≥ 1,000 unique queries across every town (the first search, which builds the cross-town
  index, is reported on its own).
"""
from __future__ import annotations

import argparse
import copy
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

from sqlalchemy import text

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from resolve_bench import WHAT, WHERE, WHO  # the same unique texts as the in-process bench
from start_bench import rss_mib

SEARCH_WORDS = ["低保", "违建", "托育", "噪音", "罚", "烟花爆竹", "消防安全检查", "宅基地建房", "区应急管理局", "电鱼",
                "摩托车", "动物防疫", "垃圾", "殡葬", "征兵", "就业", "地质灾害", "河道", "食品安全", "残疾人"]


def variant(base, n: int, rng: random.Random):
    """Town n: the template with 5–15% of its items worded its own way and some categories renamed."""
    dataset = copy.deepcopy(base)
    dataset.town.name = f"测试镇{n:05d}"
    dataset.town.district = f"测试区{n // 30:03d}"
    chosen = rng.sample(range(len(dataset.items)), int(len(dataset.items) * rng.uniform(0.05, 0.15)))
    for k in chosen:
        item = dataset.items[k]
        if rng.random() < 0.6:
            item.title += f"（{dataset.town.name}）"
        else:
            item.note = f"{dataset.town.name}按本镇实际执行。{item.note or ''}"
        if rng.random() < 0.2 and item.category:
            item.category += "类"
    return dataset


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    return f"p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms (n={len(values)})"


def call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--towns", type=int, default=1000)
    parser.add_argument("--database", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--touch", type=int, default=200, help="how many different towns to resolve in")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/scale.db"
    rng = random.Random(19)
    store = Store(url)
    base = bundled_dataset()
    imports, names = [], []
    for n in range(args.towns):
        dataset = variant(base, n, rng)
        started = time.perf_counter()
        with store.transaction() as session:
            save_dataset(session, dataset, source_name="variant.json")
        imports.append(time.perf_counter() - started)
        names.append(dataset.town.name)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        size = f"{sum(os.path.getsize(p) for p in (path, path + '-wal') if os.path.exists(p)) / 2**20:.0f} MiB"
    else:
        with store.engine.connect() as connection:
            size = connection.execute(text("select pg_size_pretty(pg_database_size(current_database()))")).scalar()
    store.close()
    print(f"database: {url.split('://')[0]}, towns: {args.towns} (+珞璜镇), items: {args.towns * len(base.items)}, "
          f"size {size}")
    print(f"import per town: median {statistics.median(imports) * 1000:.0f} ms, max {max(imports) * 1000:.0f} ms")

    base_url = f"http://127.0.0.1:{args.port}"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "lvzhi", "serve", "--database", url, "--port", str(args.port),
                               "--workers", str(args.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                call(base_url + "/healthz")
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(server.stderr.read().decode())
                time.sleep(0.05)
        print(f"start to first answer: {time.perf_counter() - started:.1f} s; RSS {rss_mib(server.pid):.0f} MiB")
        touched = rng.sample(names, min(args.touch, len(names)))
        texts = [f"{who}{what}，{where}" for who, what, where in product(WHO, WHAT, WHERE)]
        rng.shuffle(texts)
        cold = [timed(call, base_url + "/api/v1/resolve", {"text": texts[k % len(texts)], "town": town})
                for k, town in enumerate(touched)]
        print(f"first resolve in each of {len(touched)} towns (loads the town): {percentiles(cold)}; "
              f"RSS after {rss_mib(server.pid):.0f} MiB")
        unique = [timed(call, base_url + "/api/v1/resolve", {"text": t, "town": touched[k % len(touched)]})
                  for k, t in enumerate(texts[:args.samples])]
        print(f"resolve, unique texts, towns touched: {percentiles(unique)}")
        repeated = [timed(call, base_url + "/api/v1/resolve", {"text": texts[k % 20], "town": touched[0]})
                    for k in range(args.samples)]
        print(f"resolve, the same 20 texts repeated (caches hit), one town: {percentiles(repeated)}")
        first = timed(call, f"{base_url}/api/v1/search?q={quote('低保')}")
        queries = [" ".join(words) for size in (1, 2, 3) for words in product(SEARCH_WORDS, repeat=size)
                   if len(set(words)) == size]
        rng.shuffle(queries)
        searches = [timed(call, f"{base_url}/api/v1/search?q={quote(q)}") for q in queries[:args.samples]]
        print(f"first search (loads every town, builds the cross-town index): {first:.1f} s; "
              f"search, unique queries, every town: {percentiles(searches)}; RSS after {rss_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
