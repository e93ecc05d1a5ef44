"""For a cooperative item: which parts of a request go beyond the town's listed duties (以配合之名).

A request is read clause by clause. A clause that asks for work (it has a task verb) but whose content words
are mostly absent from the town's duties is flagged for the reviewer; the flag is a prompt, not a verdict.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..search.tokenize import Tokenizer

TASK_VERBS = ("负责", "承担", "开展", "组织", "完成", "落实", "做好", "上报", "报送", "填报", "检查", "排查", "督促",
              "审核", "审批", "办理", "实施", "执法", "处罚", "核查", "统计", "收集", "采集", "建立", "制定", "巡查",
              "整治", "查处", "调度", "检测", "监测", "验收", "评估", "考核", "签发", "录入", "发放", "聘请", "购买")
# Words every request and duty shares; they say nothing about which work is meant.
GENERIC = {"负责", "工作", "镇", "镇里", "镇街", "街道", "做好", "开展", "组织", "相关", "有关", "情况", "进行", "及时",
           "落实", "请", "要求", "按照", "根据", "辖区", "本镇", "我镇", "全镇", "配合", "协助", "通知", "完成", "工作人员"}
_CLAUSES = re.compile(r"[。；;！!？?\n]+|，(?=(?:并|再|还|另|同时|以及|并且|且))")
_LEADING_JOINERS = re.compile(r"^(?:并且|同时|以及|并|再|还|另|且)")
COVERED_SHARE = 0.4


@dataclass(frozen=True)
class Clause:
    text: str
    covered: float
    beyond: bool

    def to_dict(self) -> dict:
        return {"text": self.text, "covered": round(self.covered, 2), "beyond": self.beyond}


def _content(words: Tokenizer, text: str) -> set[str]:
    return {w for w in words.words(text) if len(w) > 1 and w not in GENERIC}


def _covered(word: str, duty_words: set[str]) -> bool:
    """A word the duties name, or one that holds a duty's word or is held in one (无偿献血 and 献血, 动员群众 and
    动员): jieba cuts a compound one way in a request and another way in a duty."""
    return word in duty_words or any(d in word or word in d for d in duty_words)


def clauses_beyond(words: Tokenizer, request: str, town_duties: list[str]) -> list[Clause]:
    """Every work-asking clause of the request, with the share of its content the town's duties cover."""
    duty_words = set().union(*(_content(words, d) for d in town_duties)) if town_duties else set()
    found = []
    for piece in _CLAUSES.split(request):
        piece = _LEADING_JOINERS.sub("", piece.strip(" ，,、：:"))
        if len(piece) < 4 or not any(v in piece for v in TASK_VERBS):
            continue
        content = _content(words, piece)
        if not content:
            continue
        covered = sum(1 for w in content if _covered(w, duty_words)) / len(content)
        found.append(Clause(piece, covered, covered < COVERED_SHARE))
    return found
