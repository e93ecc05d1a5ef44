"""以配合之名: which clauses of a task go beyond the town's listed part of a cooperative item."""
from __future__ import annotations

from lvzhi.review.scope import clauses_beyond
from lvzhi.search.tokenize import tokenizer

DUTIES = ["参与献血宣传活动。", "每年至少动员和组织一次献血活动。"]  # C39's town part, as the lists print it


def test_a_compound_counts_as_the_duty_word_it_holds():
    """无偿献血 holds the duties' 献血 and 动员群众 their 动员: the clause is the town's part, whatever jieba cuts."""
    clauses = clauses_beyond(tokenizer(), "请镇里组织无偿献血活动，动员群众参加", DUTIES)
    assert [c.beyond for c in clauses] == [False]


def test_work_the_duties_never_name_is_flagged():
    clauses = clauses_beyond(tokenizer(), "请镇里负责采血车辆调度和血液检测工作。", DUTIES)
    assert [(c.text, c.beyond) for c in clauses] == [("请镇里负责采血车辆调度和血液检测工作", True)]
