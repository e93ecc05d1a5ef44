"""Items as the database's search documents: what search reads of an item, and its tokens, made at write time
with a tokenizer of fixed words (`search_tokenizer`).

The store keeps one document per distinct content (the same content the in-memory engine treats as one
document: list, category, title, text and departments) and its postings; it cannot tokenise, so the lists'
writers hand it `make_documents` (lvzhi.store.repository.save_dataset(…, documents=make_documents)).
"""
from __future__ import annotations

import hashlib
import json
import threading
from datetime import date
from functools import lru_cache
from typing import Sequence

from sqlalchemy.orm import Session

from ..model import Item
from ..registry import registry
from ..store.reading import load_dataset
from ..store.schema import ItemRow
from ..store.searchdocs import (SearchDocument, attach_documents, document_ids, hold_imports, pending_versions,
                                recount)
from .normalize import normalize
from .tokenize import Tokenizer


def item_text(item: Item) -> str:
    """What search reads besides the title: duties, methods and the note."""
    return " ".join([*item.duty_texts(), item.note or ""])


def content_key(item: Item) -> tuple:
    """Items with the same key are one search document."""
    return (item.list, item.category, item.title, item_text(item), tuple(item.named_departments()))


def haystack(item: Item) -> str:
    """The text a query is looked for verbatim in."""
    return " ".join([item.title, item_text(item), *item.named_departments()])


def field_texts(item: Item) -> tuple[str, str, str]:
    """The indexed fields (lvzhi.store.searchdocs.FIELDS): title, body, departments."""
    return item.title, item_text(item), " ".join(item.named_departments())


def make_documents(items: Sequence[Item]) -> list[SearchDocument]:
    """The items' search documents, tokens made by the process's tokenizer."""
    made = []
    for item in items:
        key = content_key(item)
        digest = hashlib.blake2b(json.dumps(key, ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()
        texts = field_texts(item)
        made.append(SearchDocument(digest, item.list, item.category, item.title, key[3], key[4],
                                   tuple(_field_tokens(text) for text in texts), is_literal(texts),
                                   joints(haystack(item))))
    return made


def joints(text: str) -> str:
    """Each space of the text with the characters either side, as two characters (once each): a query with a
    space is found only in a text whose spaces join its pieces' ends (most spaces sit between an item's duties,
    after "。"), so that the texts of documents without the joints need not be read."""
    return "".join(dict.fromkeys(text[k - 1] + text[k + 1] for k in range(1, len(text) - 1) if text[k] == " "))


# What a token may hold besides letters, digits and CJK characters (jieba's default word pattern)
TOKEN_MARKS = frozenset("+#&._%-")


def token_characters(text: str) -> str:
    """The text's characters that a token may hold, in order."""
    return "".join(c for c in text if c.isalnum() or c in TOKEN_MARKS)


def is_literal(texts: Sequence[str]) -> bool:
    """Whether normalising each text (as its tokens are cut) changes only characters no token holds, such as
    full-width punctuation (，→ ,), and the case of letters: then a token that holds a piece of text made of token
    characters without case (Chinese, digits) means the field holds that text verbatim. Full-width letters or
    digits, compatibility forms: not literal."""
    return all(token_characters(normalize(text, simplified=True).lower()) == token_characters(text).lower()
               for text in texts)


def mark_documents(session: Session) -> int:
    """Tells for the documents stored without it (before migration 0015) whether they are literal, and their
    joints; returns how many it marked."""
    from sqlalchemy import bindparam, select, update

    from ..store.schema import SearchDocumentRow as D

    marked = 0
    while rows := session.execute(select(D.id, D.title, D.body, D.departments).where(D.literal.is_(None))
                                  .order_by(D.id).limit(5000)).all():
        session.execute(update(D.__table__).where(D.__table__.c.id == bindparam("document"))
                        .values(literal=bindparam("literal"), joints=bindparam("joints")),
                        [_marks(n, title, body, departments.split("\n") if departments else [])
                         for n, title, body, departments in rows])
        marked += len(rows)
    return marked


def _marks(document: int, title: str, body: str, departments: list[str]) -> dict:
    return {"document": document, "literal": is_literal((title, body, " ".join(departments))),
            "joints": joints(" ".join([title, body, *departments]))}


@lru_cache(maxsize=16384)
def _field_tokens(text: str) -> tuple[str, ...]:
    """A field's tokens, remembered: towns that word an item their own way mostly change one field of it."""
    return tuple(search_tokenizer().tokens(text, simplified=True))


_words: Tokenizer | None = None
_words_lock = threading.Lock()


def search_tokenizer() -> Tokenizer:
    """The tokenizer of the database's search, on both sides (documents written, queries read): its words are
    fixed (the domain words and every registered department's names), not the shared tokenizer's, to which each
    resolver loaded adds its town's department names, so that a document is tokenised alike whichever process
    wrote it, and a query as the documents were. About 60 MiB, made when first needed."""
    global _words
    with _words_lock:
        if _words is None:
            _words = Tokenizer([n for entry in registry().values() for n in entry.names()])
        return _words


def index_pending(session: Session, on: date | None = None) -> int:
    """Indexes the versions saved without their documents (older databases, writers that did not pass
    `make_documents`), then makes the search count every town's version in force `on` (today). Returns how many
    versions it indexed."""
    from sqlalchemy import select

    hold_imports(session)  # two workers' first searches at once index a version once
    pending = pending_versions(session)
    for version_id in pending:
        dataset, _ = load_dataset(session, version_id)
        item_ids = list(session.scalars(select(ItemRow.id).where(ItemRow.version_id == version_id)
                                        .order_by(ItemRow.id)))
        attach_documents(session, version_id, item_ids, document_ids(session, make_documents(dataset.items)))
    recount(session, on or date.today())
    return len(pending)
