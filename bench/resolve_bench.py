"""Resolver quality and speed: a plain jieba + BM25 baseline beside lvzhi, on a labelled set.

    python bench/resolve_bench.py [../shared/eval/dev-queries.jsonl] [--repeat 20]

Prints each one's scores, then lvzhi's speed in-process: index build time, memory, and per-query p50/p99
over ≥ 1,000 unique texts (generated: who × what × where, each resolved once) and, labelled as such, over the
labelled texts repeated `--repeat` times (the same text again: whatever is cached hits).
"""
from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from itertools import product
from pathlib import Path

import bm25s
import jieba
import numpy as np

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.model import Dataset, Item
from lvzhi.resolve import Resolver
from lvzhi.resolve.answer import Answer, Candidate
from lvzhi.resolve.evaluate import evaluate, read_labelled
from lvzhi.search.tokenize import tokenizer

WHO = ["有人", "隔壁邻居", "村里有户人家", "街上几个商户", "小区物业", "附近工地", "一个养殖户", "几个学生家长"]
WHAT = ["在河里电鱼", "占道摆摊卖菜", "半夜施工噪音很大", "乱倒建筑垃圾", "私自搭建彩钢棚", "卖过期食品",
        "家里有人申请低保", "想给老人办高龄补贴", "宅基地建房要审批", "烟花爆竹存放在居民楼", "村道上摩托车不戴头盔",
        "养殖场臭气熏天", "店铺消防通道堵了", "孩子上学要办转学", "山林里有人烧荒"]
WHERE = ["就在村口", "在场镇街上", "靠近小学", "在河边", "在三组", "在新街市场旁边", "在高速路口", "在老街", "在菜市场"]
WHEN = ["", "昨天晚上", "这几天", "已经一个多月了", "今天早上", "每到周末", "上个星期", "反映过好几次"]


def unique_texts(count: int) -> list[str]:
    """`count` different requests (up to 8,640), in a fixed shuffled order: none of them twice."""
    import random

    texts = [f"{who}{what}，{where}{('，' + when) if when else ''}"
             for when in WHEN for who in WHO for what in WHAT for where in WHERE]
    random.Random(19).shuffle(texts)
    if count > len(texts):
        raise ValueError(f"only {len(texts)} different texts")
    return texts[:count]
DEFAULT_SET = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev-queries.jsonl"


class PlainBaseline:
    """jieba's default segmentation and BM25 over each item's whole text; the best item always wins."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.items = dataset.items
        self.bm25 = bm25s.BM25()
        self.bm25.index([self._cut(self._whole_text(i)) for i in self.items], show_progress=False)
        self.vocabulary = set(self.bm25.vocab_dict)

    @staticmethod
    def _whole_text(item: Item) -> str:
        return " ".join([item.title, *item.named_departments(), *item.duty_texts()])

    @staticmethod
    def _cut(text: str) -> list[str]:
        return [t for t in jieba.lcut(text) if t.strip()] or ["∅"]

    def resolve(self, text: str, request_id: str | None = None, top: int = 3) -> Answer:
        tokens = [t for t in self._cut(text) if t in self.vocabulary]
        scores = self.bm25.get_scores(tokens) if tokens else np.zeros(len(self.items))
        ranked = np.argsort(-scores)[:top]
        candidates = [Candidate(self.items[n], float(scores[n])) for n in ranked]
        best = candidates[0].item
        verdict = "abolished" if best.abolished else best.list
        lead = self.dataset.town.name if best.list == "basic" else ("" if best.abolished else best.lead_departments[0])
        return Answer(verdict, lead, candidates, [], "", id=request_id, item=best)


def _row(name: str, scores) -> str:
    d = scores.to_dict()
    return (f"{name:<14}{d['verdict_accuracy']:>9.3f}{d['lead_accuracy']:>9.3f}{d['item_at_1']:>9.3f}"
            f"{d['item_at_3']:>9.3f}{d['unlisted_f1']:>11.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("labelled", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--repeat", type=int, default=20, help="how many times each request is timed")
    args = parser.parse_args()
    labelled = read_labelled(Path(args.labelled))
    dataset = bundled_dataset()

    started = time.perf_counter()
    tokenizer()
    dictionary_load = time.perf_counter() - started
    tracemalloc.start()
    started = time.perf_counter()
    resolver = Resolver(dataset)
    first_build = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    builds = []
    for _ in range(5):
        started = time.perf_counter()
        Resolver(dataset)
        builds.append(time.perf_counter() - started)
    baseline = PlainBaseline(dataset)

    print(f"labelled requests: {len(labelled)} ({args.labelled})")
    print(f"{'':<14}{'verdict':>9}{'lead':>9}{'item@1':>9}{'item@3':>9}{'unlisted F1':>11}")
    print(_row("jieba+BM25", evaluate(baseline, labelled)))
    print(_row("lvzhi", evaluate(resolver, labelled)))

    def timed(texts: list[str]) -> list[float]:
        gc.disable()
        timings = []
        for text in texts:
            started = time.perf_counter()
            resolver.resolve(text)
            timings.append(time.perf_counter() - started)
        gc.enable()
        return sorted(timings)

    unique = timed([f"{who}{what}，{where}" for who, what, where in product(WHO, WHAT, WHERE)])
    repeated = timed([case.text for _ in range(args.repeat) for case in labelled])

    def line(name: str, timings: list[float]) -> str:
        p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))] * 1000  # noqa: E731
        return (f"per query, {name} ({len(timings)} timed): p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, "
                f"max {timings[-1] * 1000:.2f} ms")
    print()
    print(f"jieba dictionary load (once per process): {dictionary_load * 1000:.0f} ms")
    print(f"index build, one town ({len(dataset.items)} items): first {first_build * 1000:.0f} ms, "
          f"then median {statistics.median(builds) * 1000:.0f} ms")
    print(line("unique texts, each once", unique))
    print(line(f"labelled texts repeated {args.repeat} times (caches hit)", repeated))
    print(f"python memory allocated while building one town's index: {peak / 2**20:.1f} MiB")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
