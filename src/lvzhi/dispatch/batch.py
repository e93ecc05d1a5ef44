"""Routing many tickets at once: each distinct text resolved once, large batches spread over the CPU cores."""
from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Sequence

from ..processes import forked_pool
from ..resolve import Resolver
from .route import Suggestion, suggest

PARALLEL_FROM = 2_000
CHUNK = 250

_worker_resolver: Resolver | None = None


def _route_chunk(texts: list[str]) -> list[Suggestion]:
    return [suggest(_worker_resolver, text) for text in texts]


def route_texts(resolver: Resolver, texts: Sequence[str], progress: Callable[[int], None] | None = None,
                workers: int | None = None) -> list[Suggestion]:
    """A suggestion per text, in order. Identical texts are resolved once; from PARALLEL_FROM distinct texts
    on, forked worker processes share the already-built resolver (nothing is loaded twice). The workers hold
    none of the caller's sockets and die with it (lvzhi.processes): a server killed in the middle of a batch
    leaves no process behind, and no port held."""
    distinct = list(dict.fromkeys(texts))
    workers = workers or os.cpu_count() or 1
    results: dict[str, Suggestion] = {}
    chunks = [distinct[i:i + CHUNK] for i in range(0, len(distinct), CHUNK)]
    if len(distinct) >= PARALLEL_FROM and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        global _worker_resolver
        _worker_resolver = resolver
        with forked_pool(workers) as pool:
            for chunk, routed in zip(chunks, pool.imap(_route_chunk, chunks)):
                results.update(zip(chunk, routed))
                if progress:
                    progress(len(chunk))
        _worker_resolver = None
    else:
        for chunk in chunks:
            results.update((text, suggest(resolver, text)) for text in chunk)
            if progress:
                progress(len(chunk))
    return [results[text] for text in texts]
