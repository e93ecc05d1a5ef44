"""Splitting a wrapped run of department names ("区委组织部 区\\n人力社保局") into the names."""
from __future__ import annotations

import re
from functools import lru_cache

# A department name as these documents print them: a district-level body ("区…局", "团区委"), a body
# named after the place ("江津综保区管委会": the importing town's own place names are added, see
# place_prefixes) or a state company ("珞城实业公司（原珞璜建司）").
STARTS = ("区", "市", "县", "团区委", "团县委", "团市委", "国家", "中国", "国网")
_ENDS = (
    "委员会", "管委会", "办公室", "机关", "中心", "公司", "支队", "大队", "工会", "部门",
    "委", "局", "办", "部", "会", "院", "队", "所", "站", "馆", "社", "联", "处", "协", "团", "行",
)
_PAREN = re.compile(r"[（(][^（）()]*[）)]$")
_NAME_CHARS = re.compile(r"^[\u4e00-\u9fff（）()]+$")


def _core(name: str) -> str:
    """The name without a trailing "（…）" or the document's own "等" ("区教委等")."""
    core = _PAREN.sub("", name)
    return core[:-1] if core.endswith("等") else core


def place_prefixes(*places: str) -> tuple[str, ...]:
    """The short forms of the town's own place names ("江津区" → "江津"), with which local bodies' names start."""
    shorts = (re.sub(r"(特别行政区|自治区|自治县|街道|区|县|市|镇|乡|省)$", "", p.strip()) for p in places if p)
    return tuple(short for short in shorts if len(short) >= 2)


def ends_like_department(name: str) -> bool:
    """A name that ends like a body's, whatever it starts with (for names the document labels as departments)."""
    return bool(_NAME_CHARS.match(name)) and 3 <= len(name) <= 24 and _core(name).endswith(_ENDS)


def looks_like_department(name: str, starts: tuple[str, ...] = STARTS) -> bool:
    """Whether a string has the shape of a department name, known or not."""
    if not name or not _NAME_CHARS.match(name) or len(name) > 24:
        return False
    core = _core(name)
    if any(p in core for p in "（）()"):
        return False
    if not core:
        return False
    if core.endswith("公司"):
        return len(core) >= 4
    return core.startswith(starts) and core.endswith(_ENDS) and len(core) >= 3


class DepartmentSplitter:
    """Splits concatenated department names, preferring names already known to the document."""

    def __init__(self, known: set[str] | None = None, places: tuple[str, ...] = ()):
        self.known: set[str] = set(known or ())
        self.starts = STARTS + tuple(p for p in places if p not in STARTS)

    def split(self, text: str) -> list[str] | None:
        """The names in `text` (spaces and line breaks ignored), or None if it is not only names."""
        found = self.split_with_cost(text)
        return found[1] if found else None

    def split_with_cost(self, text: str) -> tuple[int, list[str]] | None:
        compact = re.sub(r"\s+", "", text)
        if not compact:
            return None
        return _split(compact, frozenset(self.known), self.starts)

    def split_unfinished(self, text: str) -> list[str] | None:
        """Like split, but the last name may be cut short by a page break ("…区公安" + "局")."""
        compact = re.sub(r"\s+", "", text)
        found = self.split(compact)
        if found:
            return found
        for cut in range(len(compact) - 1, -1, -1):
            tail = compact[cut:]
            if len(tail) > 10 or not tail.startswith(self.starts):
                continue
            head = self.split(compact[:cut]) if cut else []
            if head is not None:
                return head + [tail]
        return None

    def doubtful(self, names: list[str]) -> bool:
        """Whether a name the document does not know ends in another whole department name
        ("县域商业体系建设项目区商务委"): more likely a title's words run into the department column."""
        return any(
            name not in self.known and any(name[k] in "区县市" and looks_like_department(name[k:], self.starts)
                                         for k in range(2, len(name)))
            for name in names
        )

    def split_list(self, text: str) -> list[str] | None:
        """Names separated by "、" (a heading such as "区委组织部、区人力社保局"), each possibly wrapped."""
        names: list[str] = []
        for part in re.split(r"[、，,]", text):
            found = self.split(part)
            if not found:
                return None
            names.extend(found)
        return names


def _two_names(piece: str, starts: tuple[str, ...]) -> bool:
    """Whether an unknown name is really two names run together ("区城市管理局区市场监管局")."""
    return any(
        looks_like_department(piece[:k], starts) and looks_like_department(piece[k:], starts)
        for k in range(2, len(piece) - 1)
    )


def _contains_known(piece: str, known: frozenset[str]) -> bool:
    """An unknown name that holds a known one ("区级及以上党代表区委组织部") is a misreading."""
    core = _core(piece)
    return any(name in core and name != core for name in known)


@lru_cache(maxsize=4096)
def _split(text: str, known: frozenset[str], starts: tuple[str, ...]) -> tuple[int, list[str]] | None:
    # Dynamic programming over end positions: a known name costs 1, an unknown name of the right
    # shape costs 3, so "区人大常委会信访办公室" stays whole when the document names it so.
    n = len(text)
    best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for end in range(1, n + 1):
        for start in range(max(0, end - 24), end):
            prev = best[start]
            if prev is None:
                continue
            piece = text[start:end]
            if piece in known:
                cost = 1
            elif (looks_like_department(piece, starts) and not _two_names(piece, starts)
                  and not _contains_known(piece, known)):
                cost = 3
            else:
                continue
            candidate = (prev[0] + cost, prev[1] + [piece])
            if best[end] is None or candidate[0] < best[end][0]:
                best[end] = candidate
    return best[n]
