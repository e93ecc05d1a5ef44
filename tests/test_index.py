"""The BM25 index: bm25s's scores bit for bit, in a fraction of the memory, shared token strings."""
from __future__ import annotations

import random

import numpy as np
import pytest

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.resolve.resolver import character_pairs
from lvzhi.search.index import VOCABULARY, FieldedIndex, FieldIndex
from lvzhi.search.tokenize import tokenizer


@pytest.fixture(scope="module")
def fields() -> dict[str, list[list[str]]]:
    words = tokenizer()
    items = bundled_dataset().items
    return {"title": [words.tokens(i.title, simplified=True) for i in items],
            "body": [words.tokens(" ".join(i.duty_texts()), simplified=True) for i in items],
            "pairs": [character_pairs(i.title) for i in items],
            "sparse": [[] if n % 3 else ["独有词", "独有词"] for n in range(len(items))]}  # empty documents


def _queries(documents: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Tokens from the documents, repeated ones and unknown ones among them."""
    tokens = sorted({t for d in documents for t in d})
    queries = [rng.sample(tokens, min(len(tokens), rng.randint(1, 6))) for _ in range(150)]
    return queries + [q + q[:1] for q in queries[:30]] + [q + ["没有这个词"] for q in queries[:30]]


@pytest.mark.parametrize("b", [0.75, 0.2, 0.5])
def test_scores_are_bm25s_scores_bit_for_bit(fields, b):
    bm25s = pytest.importorskip("bm25s")
    rng = random.Random(19)
    for name, documents in fields.items():
        ours = FieldIndex(documents, b)
        theirs = bm25s.BM25(b=b)
        theirs.index([list(d) or ["\u2205"] for d in documents], show_progress=False)
        for query in _queries(documents, rng):
            known = [t for t in query if t in theirs.vocab_dict]
            expected = theirs.get_scores(known) if known else np.zeros(len(documents), dtype=np.float32)
            got = ours.scores(query)
            assert got.dtype == np.float32 and np.array_equal(got, expected), (name, query)


def test_fielded_index_idf_coverage_and_matches(fields):
    index = FieldedIndex({k: fields[k] for k in ("title", "body")}, {"title": 1.0, "body": 0.4})
    n = len(fields["title"])
    first = fields["title"][0]
    everywhere = {t for docs in (fields["title"], fields["body"]) for d in docs for t in d}
    with_token = sum(1 for p in range(n) if first[0] in {*fields["title"][p], *fields["body"][p]})
    assert index.idf(first[0]) == pytest.approx(np.log(1 + (n - with_token + 0.5) / (with_token + 0.5)))
    assert index.known(first[0]) and not index.known("没有这个词") and "独有词" not in everywhere
    assert index.idf("没有这个词") > index.idf(first[0])
    assert index.coverage(first, 0) == 1.0 and index.matched(first + ["没有这个词"], 0) == list(dict.fromkeys(first))
    assert index.coverage(["没有这个词"], 0) == 0.0


def test_towns_indexes_share_token_strings_and_stay_small(fields):
    """A second index over the same words adds no token to the process's vocabulary; the arrays it keeps are
    a few bytes per (document, token) pair."""
    FieldIndex(fields["title"])
    known = len(VOCABULARY)
    again = FieldIndex([list(d) for d in fields["title"]])
    assert len(VOCABULARY) == known
    pairs = sum(len(set(d)) for d in fields["title"])
    assert again.nbytes <= 12 * pairs + 8 * known


def test_the_stored_dictionary_gives_the_tokenizer_jieba_builds(tmp_path, monkeypatch):
    """The dictionary is stored after the first start and read by the next ones (4× faster than jieba's own
    cache): the tokenizer read from it has the same entries, total and added words, and cuts the same; a file
    cut short is not used."""
    import lvzhi.search.tokenize as tokenize

    path = tmp_path / "jieba.dict"
    monkeypatch.setattr(tokenize, "_dictionary_file", lambda domain: str(path))
    built = tokenize.Tokenizer()
    assert path.exists()
    read = tokenize.Tokenizer()
    assert read._jieba.FREQ == built._jieba.FREQ and read._jieba.total == built._jieba.total
    assert read._added == built._added
    text = "村里有户人家在河道里电鱼，还在场镇街上占道摆摊卖菜，2024年"
    assert read.tokens(text) == built.tokens(text) and read.query_tokens(text) == built.query_tokens(text)
    path.write_bytes(path.read_bytes()[:1000])
    assert not tokenize._load_dictionary(__import__("jieba").Tokenizer(), [], set())
    assert tokenize.Tokenizer()._jieba.FREQ == built._jieba.FREQ  # rebuilt from jieba's own dictionary


def test_counts_in_words_are_not_matter_words():
    """好几回, 三四十个, 一百多 say how many, not what: they match no item; counts that name a thing stay."""
    from lvzhi.search.tokenize import tokenizer
    words = tokenizer()
    assert words.tokens("一天放好几回炮") == ["放", "炮"]
    assert "娃儿" in words.tokens("三四十个娃儿") and not any("十" in t for t in words.tokens("三四十个娃儿"))
    assert "两癌" in words.tokens("两癌筛查") and "三资" in words.tokens("三资管理")
