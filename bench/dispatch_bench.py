"""Tickets per second for the suggestion step of `lvzhi dispatch` (the routing, not file reading or writing).

    python3 bench/dispatch_bench.py [--tickets 10000]

Texts are the labelled requests (../shared/eval) or, without them, a few built-in ones, each made unique with
a ticket number so that no repeated text is resolved twice for free. Prints one process and all cores.
Target from the dispatch issue: >= 2,000 tickets/s on this machine.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.dispatch.batch import route_texts
from lvzhi.resolve import Resolver

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev-queries.jsonl"
FALLBACK = ["园区里珞城实业公司修的路坑坑洼洼，一直没人管", "我们小区附近的KTV晚上接待未成年人进去唱歌",
            "我家生活困难，想申请低保，去哪里办", "我想办理结婚登记，去哪里办", "楼上装修拆了承重墙"]


def texts(count: int) -> list[str]:
    base = [json.loads(line)["text"] for line in EVAL.read_text(encoding="utf-8").splitlines()] if EVAL.exists() \
        else FALLBACK
    return [f"{base[n % len(base)]}（工单{n}）" for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    resolver = Resolver(bundled_dataset())
    print(f"resolver ready in {time.perf_counter() - started:.2f} s; {os.cpu_count()} cores; {args.tickets} unique tickets")
    batch = texts(args.tickets)
    for workers, label in ((1, "one process"), (os.cpu_count() or 1, "all cores")):
        started = time.perf_counter()
        routed = route_texts(resolver, batch, workers=workers)
        elapsed = time.perf_counter() - started
        assigned = sum(1 for s in routed if s.assignee)
        print(f"  {label:<12} {args.tickets / elapsed:>7.0f} tickets/s  ({elapsed:.2f} s; {assigned} with an assignee)")


if __name__ == "__main__":
    main()
