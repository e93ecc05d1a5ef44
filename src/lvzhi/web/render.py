"""Jinja2 set-up for the pages: the templates folder, filters for highlighting and numbering, the page frame."""
from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from ..model import LIST_PREFIX, LIST_SHORT_NAMES, LIST_TITLES
from ..clock import beijing_text
from ..vocab import VERDICT_LABELS
from .auth import page_viewer

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
VERDICT_CLASSES = {"basic": "basic", "cooperative": "cooperative", "reclaimed": "reclaimed",
                   "abolished": "abolished", "unlisted": "unlisted"}


def highlight(text: str, words: list[str] | None) -> Markup:
    """The text, escaped, with every occurrence of the words marked (longest words first)."""
    words = sorted({w for w in words or [] if w.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def query_url(path: str, params: dict, **changes) -> str:
    """A link to the same page with some parameters changed (None removes one)."""
    merged = {**params, **changes}
    clean = {k: v for k, v in merged.items() if v not in (None, "")}
    return f"{path}?{urlencode(clean)}" if clean else path


def _plain(value) -> str:
    """A field's value as the text a reader compares (lists one per line)."""
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "、".join(value.get("departments") or []) + "：" + "；".join(value.get("duties") or value.get("methods") or [])
    if isinstance(value, list):
        return "\n".join(_plain(v) for v in value)
    return LIST_SHORT_NAMES.get(value, str(value))


def changed_characters(before, after) -> tuple[Markup, Markup]:
    """Both sides of a changed field, escaped, with the characters removed marked <del> and added <ins>."""
    old, new = _plain(before), _plain(after)
    left, right = [], []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(escape(old[a1:a2]))
            right.append(escape(new[b1:b2]))
            continue
        if a2 > a1:
            left.append(Markup("<del>") + escape(old[a1:a2]) + Markup("</del>"))
        if b2 > b1:
            right.append(Markup("<ins>") + escape(new[b1:b2]) + Markup("</ins>"))
    def join(parts):
        return Markup("").join(parts).replace("\n", Markup("<br>"))
    return join(left), join(right)


TEMPLATES.env.filters["highlight"] = highlight
TEMPLATES.env.globals["changed_characters"] = changed_characters
TEMPLATES.env.filters["tel"] = lambda number: re.sub(r"[^0-9+]", "", unicodedata.normalize("NFKC", number))
TEMPLATES.env.filters["beijing"] = beijing_text  # stored UTC → 北京时间 YYYY-MM-DD HH:MM
TEMPLATES.env.globals.update(
    list_titles=LIST_TITLES, list_names=LIST_SHORT_NAMES, list_prefix=LIST_PREFIX, verdict_classes=VERDICT_CLASSES,
    verdict_labels=VERDICT_LABELS, query_url=query_url,
)
TEMPLATES.env.trim_blocks = True
TEMPLATES.env.lstrip_blocks = True


def render(request: Request, template: str, status_code: int = 200, **context):
    """A page; every page knows who is signed in (for the navigation) and the session's CSRF token (for forms)."""
    context.setdefault("user", page_viewer(request))
    context.setdefault("csrf", getattr(request.state, "csrf", None))
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
