"""A town's places as the list office keeps them: the words that put a request in the built-up area (its streets
and communities), the industrial park (its names, roads and companies), on village roads… and the words that put
it elsewhere.

The lists give some matters to a body by place (R126 城市建成区, R130–R139 乡道村道, R163 园区); the town's rules
(rules.yaml) name the place, and the place's words decide whether a request is there. The words start from the
bundled places.yaml (seeded into the database) and are edited here: anyone may read them, the administrator (the
list office) changes them; every change is one transaction with its audit entry, and the next answer for the town
uses the new words (the catalog notices the revision).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, NotFound
from ..knowledge import Place
from ..search.normalize import normalize
from ..store.schema import PlaceRow
from .accounts import User
from .audit import now, record

MAX_WORDS = 300  # per list of one place: a town's streets and communities, the park's roads and companies
MAX_WORD_CHARS = 30
MIN_WORD_CHARS = 2  # one character (街, 村) would put every request that contains it there
MAX_FILE_BYTES = 1_000_000
SIDES = {"says": "属于该地点的词", "not": "不属于该地点的词"}


def require_list_office(user: User, doing: str = "修改") -> None:
    if user.role != "admin":
        raise Forbidden(f"{user.role_name}无权{doing}地点用词：地点用词由清单管理部门（管理员）维护")


def _invisible(character: str) -> bool:
    return unicodedata.category(character) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


def clean_words(words: object, where: str) -> tuple[str, ...]:
    """The words as the resolver matches them (the request's normal form), in order, each once; a clear Chinese
    error naming the place, the side and the word's position for anything else."""
    if isinstance(words, str):
        words = split_words(words)
    if not isinstance(words, (list, tuple)):
        raise InvalidInput(f"{where}应为词语列表")
    if len(words) > MAX_WORDS:
        raise InvalidInput(f"{where}有 {len(words)} 个词，最多 {MAX_WORDS} 个")
    cleaned: list[str] = []
    for number, word in enumerate(words, 1):
        if not isinstance(word, str):
            raise InvalidInput(f"{where}第 {number} 个词应为文字")
        if any(_invisible(c) for c in word):
            shown = "".join("□" if _invisible(c) else c for c in word)[:40]
            raise InvalidInput(f"{where}第 {number} 个词“{shown}”含控制字符或不可见字符，请删去后重新填写")
        word = normalize(word).strip()
        if not word:
            raise InvalidInput(f"{where}第 {number} 个词为空")
        if len(word) > MAX_WORD_CHARS:
            raise InvalidInput(f"{where}第 {number} 个词“{word[:20]}…”过长（{len(word)} 字），最多 {MAX_WORD_CHARS} 字")
        if len(word) < MIN_WORD_CHARS:
            raise InvalidInput(f"{where}第 {number} 个词“{word}”过短：至少 {MIN_WORD_CHARS} 个字，单字会把太多诉求算作该地点")
        if word not in cleaned:
            cleaned.append(word)
    return tuple(cleaned)


def _normal(word: object) -> object:
    return normalize(word).strip() if isinstance(word, str) else word


def split_words(text: str) -> list[str]:
    """Words typed one per line, or separated by 、，, ; (a form's text box); blank lines are skipped."""
    return [w for w in re.split(r"[\n\r、，,;；]+", text) if w.strip()]


def checked_place(name: str, says: object, not_: object) -> Place:
    good = clean_words(says, f"地点“{name}”的{SIDES['says']}")
    bad = clean_words(not_, f"地点“{name}”的{SIDES['not']}")
    both = [w for w in good if w in bad]
    if both:
        raise InvalidInput(f"地点“{name}”：“{'、'.join(both[:5])}”不能既属于又不属于该地点")
    return Place(name, good, bad)


class PlacesDesk:
    """Reading and changing a town's places, as the faces use them."""

    def __init__(self, store, lists):
        self.store = store
        self.lists = lists

    def _rules(self, town: str) -> dict[str, dict]:
        """Per place the town's rules name: the items it decides, the question asked back and the source."""
        found: dict[str, dict] = {}
        for scope in self.lists.resolver(town).knowledge.scopes:
            if scope.place:
                entry = found.setdefault(scope.place, {"items": [], "questions": [], "sources": []})
                entry["items"] += [c for c in scope.items if c not in entry["items"]]
                for key, value in (("questions", scope.question), ("sources", scope.source)):
                    if value and value not in entry[key]:
                        entry[key].append(value)
        return found

    def show(self, town: str) -> dict:
        """Every place the town's rules name, with its current words, what it decides, and who changed it last."""
        self.lists.town(town)
        rules = self._rules(town)
        places = self.lists.resolver(town).knowledge.places()
        with self.store.transaction() as session:
            rows = {r.name: r for r in session.scalars(select(PlaceRow).where(PlaceRow.town == town))}
        shown = []
        for name, place in places.items():
            row = rows.get(name)
            shown.append({**place.to_dict(), **rules.get(name, {}), "kept_in": "数据库" if row else "随软件提供的 places.yaml",
                          "revision": row.revision if row else 0, "updated_by": row.updated_by if row else "",
                          "updated_at": row.updated_at.isoformat() if row and row.updated_at else None})
        return {"town": town, "places": shown}

    def _known(self, town: str, name: str) -> str:
        name = (name or "").strip()
        rules = self._rules(town)
        if name not in rules:
            known = "、".join(rules) or "（无）"
            raise NotFound(f"{town}的规则中没有名为“{name}”的地点。已有：{known}")
        return name

    def set(self, user: User, town: str, name: str, says: object = None, not_: object = None,
            add: Iterable[str] = (), remove: Iterable[str] = (), add_not: Iterable[str] = ()) -> dict:
        """Replaces the place's words (`says`, `not_`; None keeps that side), then adds and removes single words."""
        require_list_office(user)
        self.lists.town(town)
        name = self._known(town, name)
        current = self.lists.resolver(town).knowledge.places()[name]
        says = list(current.says if says is None else (split_words(says) if isinstance(says, str) else says))
        not_ = list(current.not_ if not_ is None else (split_words(not_) if isinstance(not_, str) else not_))
        says += [w for w in add if w not in says]
        not_ += [w for w in add_not if w not in not_]
        gone = [_normal(w) for w in remove]
        present = {_normal(w) for w in [*says, *not_]}
        missing = [w for w in gone if w not in present]
        if missing:
            raise InvalidInput(f"地点“{name}”没有要删除的词“{'、'.join(missing)}”")
        says = [w for w in says if _normal(w) not in gone]
        not_ = [w for w in not_ if _normal(w) not in gone]
        place = checked_place(name, says, not_)
        result = self.store.run(lambda session: self._save(session, user, town, [(place, current)], "places.set"))
        self.lists.written()
        return result[0]

    def import_places(self, user: User, town: str, content: bytes | str, source: str = "文件") -> list[dict]:
        """A places.yaml (`places: {name: {says: [...], not: [...]}}`) for the town, all of it in one transaction;
        a place the file leaves out keeps its words."""
        require_list_office(user, "导入")
        self.lists.town(town)
        raw = content.encode("utf-8") if isinstance(content, str) else content
        if len(raw) > MAX_FILE_BYTES:
            raise InvalidInput(f"{source}过大（{len(raw)} 字节），最多 {MAX_FILE_BYTES} 字节")
        try:
            data = yaml.safe_load(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InvalidInput(f"{source}不是 UTF-8 编码") from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"第 {mark.line + 1} 行" if mark else ""
            raise InvalidInput(f"{source}{where}不是有效的 YAML") from None
        spec = data.get("places") if isinstance(data, dict) else None
        if not isinstance(spec, dict) or not spec:
            raise InvalidInput(f"{source}中应有 places: 下按地点名列出的 says 和 not 词语")
        current = self.lists.resolver(town).knowledge.places()
        changes = []
        for name, words in spec.items():
            name = self._known(town, str(name))
            if not isinstance(words, dict) or set(words) - {"says", "not"}:
                raise InvalidInput(f"{source}中地点“{name}”应只有 says 和 not 两项词语列表")
            changes.append((checked_place(name, words.get("says") or [], words.get("not") or []), current[name]))
        result = self.store.run(lambda session: self._save(session, user, town, changes, "places.import"))
        self.lists.written()
        return result

    def _save(self, session: Session, user: User, town: str, changes: list[tuple[Place, Place]],
              action: str) -> list[dict]:
        saved = []
        for place, before in changes:
            row = session.scalar(select(PlaceRow).where(PlaceRow.town == town, PlaceRow.name == place.name))
            if row is None:
                row = PlaceRow(town=town, name=place.name, revision=0)
                session.add(row)
            row.says, row.not_words = list(place.says), list(place.not_)
            row.revision = (row.revision or 0) + 1
            row.updated_by, row.updated_at = user.actor.name, now()
            session.flush()
            record(session, user.actor, action, "place", f"{town}/{place.name}",
                   before={"town": town, "place": place.name, "says": list(before.says), "not": list(before.not_)},
                   after={"town": town, "place": place.name, "says": list(place.says), "not": list(place.not_)})
            saved.append({**place.to_dict(), "town": town, "revision": row.revision})
        return saved
