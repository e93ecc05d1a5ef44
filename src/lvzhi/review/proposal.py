"""lvzhi's proposed decision for a task pushed to a town, from the resolver's reading of the lists."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..resolve import Answer, Resolver
from ..resolve.resolver import MAX_TEXT_CHARS as RESOLVER_MAX
from .kinds import DECISION_MEANINGS, DECISIONS, PROPOSAL_FOR_VERDICT
from .scope import Clause, clauses_beyond

# Words a department uses to present its own work as the town's "cooperation" (以配合之名).
COOPERATION_WORDS = re.compile(r"配合|协助|协同|协查|协办")


@dataclass
class Proposal:
    kind: str
    answer: Answer
    clauses: list[Clause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return DECISIONS[self.kind]

    def cited(self) -> list[dict]:
        item = self.answer.item
        return [{"code": item.code, "title": item.title, "list": item.list}] if item else []

    def to_dict(self) -> dict:
        answer = self.answer.to_dict()
        answer["item"] = self.answer.item.to_dict() if self.answer.item else None
        return {"kind": self.kind, "name": self.name, "meaning": DECISION_MEANINGS[self.kind], "answer": answer,
                "cited_items": self.cited(), "clauses": [c.to_dict() for c in self.clauses],
                "beyond": [c.text for c in self.clauses if c.beyond], "notes": list(self.notes)}


def propose(resolver: Resolver, text: str, attachment: str = "") -> Proposal:
    """Reads the task (and as much of its attachment as the resolver takes) and proposes a decision."""
    reading = text if not attachment else f"{text}\n{attachment}"[:RESOLVER_MAX]
    answer = resolver.resolve(reading, top=5)
    # a text the resolver cannot judge at all has no verdict: no item covers it, so it is treated as 清单外
    proposal = Proposal(PROPOSAL_FOR_VERDICT[answer.verdict or "unlisted"], answer)
    if answer.error:
        proposal.notes.append(f"无法按清单判断：{answer.error}")
    item = answer.item
    if answer.verdict == "cooperative" and item is not None:
        proposal.clauses = clauses_beyond(resolver.tokenizer, text, item.town_duties)
        beyond = [c.text for c in proposal.clauses if c.beyond]
        if beyond:
            proposal.notes.append(f"以下要求超出 {item.code} 所列镇配合职责，不予承接，应由{answer.lead}负责："
                                  + "；".join(beyond))
    if answer.verdict == "reclaimed" and COOPERATION_WORDS.search(text):
        proposal.notes.append(f"通知以“配合”“协助”等名义交办，但该项工作已由{answer.lead}收回（{item.code}），"
                              "不得以配合之名交由镇承担。")
    if answer.verdict == "abolished" and item is not None:
        proposal.notes.append(f"{item.code} 所列考核已取消：{item.note or '不再开展此项工作'}")
    if answer.verdict in ("unlisted", None):
        proposal.notes.append("清单之外无事项：镇承接前须由管理员审批并写明理由。")
    return proposal
