"""Resolver quality and speed: every labelled set side by side, lvzhi beside a plain jieba + BM25 baseline.

    python bench/resolve_bench.py [EXTRA.jsonl ...] [--repeat 5]

Quality on ../shared/eval/dev-queries.jsonl and eval/blind-a … blind-d.jsonl (and any labelled files given
as arguments): verdict, lead, item@1, item@3, 清单外 F1, and the verdict on residents' own words (kind "citizen").
Then lvzhi's speed in process: index build, memory, and per-request latency (p50/p95/p99/max) over ≥ 1,000 unique
texts, each resolved once (the labelled texts and generated ones: who × what × where), and, labelled as such, the
labelled texts repeated `--repeat` times (the same text again: whatever is cached hits). Prints the date and the
git commit. Timings depend on the machine's load: say what it was when quoting them.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

import bm25s
import jieba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lvzhi.lists.bundled import bundled_dataset  # noqa: E402
from lvzhi.model import Dataset, Item  # noqa: E402
from lvzhi.resolve import Resolver  # noqa: E402
from lvzhi.resolve.answer import Answer, Candidate  # noqa: E402
from lvzhi.resolve.evaluate import Labelled, Scores, evaluate, read_labelled  # noqa: E402
from lvzhi.search.tokenize import tokenizer  # noqa: E402

WHO = ["有人", "隔壁邻居", "村里有户人家", "街上几个商户", "小区物业", "附近工地", "一个养殖户", "几个学生家长"]
WHAT = ["在河里电鱼", "占道摆摊卖菜", "半夜施工噪音很大", "乱倒建筑垃圾", "私自搭建彩钢棚", "卖过期食品",
        "家里有人申请低保", "想给老人办高龄补贴", "宅基地建房要审批", "烟花爆竹存放在居民楼", "村道上摩托车不戴头盔",
        "养殖场臭气熏天", "店铺消防通道堵了", "孩子上学要办转学", "山林里有人烧荒"]
WHERE = ["就在村口", "在场镇街上", "靠近小学", "在河边", "在三组", "在新街市场旁边", "在高速路口", "在老街", "在菜市场"]
DEFAULT_SETS = (ROOT.parent / "shared" / "eval" / "dev-queries.jsonl", ROOT / "eval" / "blind-a.jsonl",
                ROOT / "eval" / "blind-b.jsonl", ROOT / "eval" / "blind-c.jsonl", ROOT / "eval" / "blind-d.jsonl")
COLUMNS = ("verdict", "lead", "item@1", "item@3", "清单外 F1", "residents")
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


def figures(scores: Scores) -> tuple[float, ...]:
    d = scores.to_dict()
    residents = d["verdict_by_kind"].get("citizen", {}).get("verdict_accuracy", float("nan"))
    return (d["verdict_accuracy"], d["lead_accuracy"], d["item_at_1"], d["item_at_3"], d["unlisted_f1"], residents)


def quality_table(sets: dict[str, list[Labelled]], systems: dict[str, object]) -> list[str]:
    width = max(len(n) for n in sets) + 2
    lines = [f"{'set':<{width}}{'system':<12}{'n':>5}" + "".join(f"{c:>11}" for c in COLUMNS)]
    for name, labelled in sets.items():
        for system, resolver in systems.items():
            row = figures(evaluate(resolver, labelled))
            lines.append(f"{name:<{width}}{system:<12}{len(labelled):>5}" + "".join(f"{v:>11.3f}" for v in row))
    return lines


def percentiles(timings: list[float]) -> str:
    ms = np.array(timings) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms, max {ms.max():.2f} ms"


def timed(resolver: Resolver, texts: list[str]) -> list[float]:
    gc.disable()
    timings = []
    for text in texts:
        started = time.perf_counter()
        resolver.resolve(text)
        timings.append(time.perf_counter() - started)
    gc.enable()
    return timings


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extra", nargs="*", type=Path, help="more labelled JSON-lines files")
    parser.add_argument("--repeat", type=int, default=5, help="how many times the labelled texts are repeated")
    args = parser.parse_args()
    paths = [p for p in DEFAULT_SETS if p.exists()] + list(args.extra)
    sets = {p.stem: read_labelled(p) for p in paths}
    dataset = bundled_dataset()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"resolve bench · {datetime.now().astimezone().isoformat(timespec='seconds')} · commit {commit()} · "
          f"load average {load:.2f} · {os.cpu_count()} CPUs")

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
    for _ in range(3):
        started = time.perf_counter()
        Resolver(dataset)
        builds.append(time.perf_counter() - started)
    labelled_texts = list(dict.fromkeys(case.text for cases in sets.values() for case in cases))
    unique = list(dict.fromkeys(labelled_texts + unique_texts(1080)))
    once = timed(resolver, unique)  # first: no text has been seen by any cache yet

    systems = {"jieba+BM25": PlainBaseline(dataset), "lvzhi": resolver}
    print()
    print("quality (residents = verdict on requests in residents' own words, kind \"citizen\")")
    for line in quality_table(sets, systems):
        print(line)
    repeated = timed(resolver, [text for _ in range(args.repeat) for text in labelled_texts])
    print()
    print(f"jieba dictionary load (once per process): {dictionary_load * 1000:.0f} ms")
    print(f"index build, one town ({len(dataset.items)} items): first {first_build * 1000:.0f} ms, "
          f"then median {statistics.median(builds) * 1000:.0f} ms")
    print(f"per request, {len(unique)} unique texts ({len(labelled_texts)} labelled + {len(unique) - len(labelled_texts)} "
          f"generated), each resolved once: {percentiles(once)}")
    print(f"per request, REPEATED texts: the {len(labelled_texts)} labelled texts × {args.repeat} "
          f"({len(repeated)} timed; caches hit): {percentiles(repeated)}")
    print(f"python memory allocated while building one town's index: {peak / 2**20:.1f} MiB")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
