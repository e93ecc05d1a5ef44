"""Chinese line breaking (禁则) for everything the command line prints.

Rich wraps text at spaces and folds a run without spaces (all of a Chinese sentence) at whatever cell the width
ends on, so a wrapped line can start with “。” or “，” and end with “（”. Here a line may break between any two
wide (CJK) characters and at spaces, never inside a run of narrow characters (B75, 2027-01-01, a URL) unless
the run alone is wider than the line; a closing mark (。，、；：？！）》」』 …) stays with the character before it,
an opening mark (（《「『 …) with the character after it. When that would leave a line too long, the character
before the closing mark moves down with it (追い出し), as typesetters do.

`KinsokuConsole.render` gives every plain `Text` it is asked to draw — printed strings, table cells, panel
bodies, nested to any depth — this wrapping, so every command gets it by printing through the CLI's consoles.
"""
from __future__ import annotations

from typing import Iterable, Optional

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderableType
from rich.containers import Lines
from rich.segment import Segment
from rich.text import Text

# A line may not start with these (closing marks, pauses, stops) …
NO_LINE_START = frozenset("。，、；：？！）》」』】〕〉〗〙〛”’．，：；！？％‰…‥·～ー" "ぁぃぅぇぉっゃゅょゎ"
                          ",.;:?!)]}%")
# … nor end with these (opening marks).
NO_LINE_END = frozenset("（《「『【〔〈〖〘〚“‘([{")


def _units(text: str) -> list[tuple[int, int]]:
    """(start, end) of each piece a line may break after: one wide character, or a run of narrow non-space
    characters (a code, a date, a URL: never broken inside), each with the spaces that follow it (leading spaces
    go with the first piece)."""
    units: list[tuple[int, int]] = []
    n = len(text)
    i = 0
    while i < n and text[i].isspace():
        i += 1
    start = 0
    while i < n:
        if cell_len(text[i]) > 1:
            i += 1
        else:
            while i < n and not text[i].isspace() and cell_len(text[i]) == 1:
                i += 1
        while i < n and text[i].isspace():
            i += 1
        units.append((start, i))
        start = i
    return units


def _breakable(text: str) -> list[bool]:
    """For each position p, whether a line may start at text[p] by 禁则: text[p] is no closing mark and the
    last visible character before it is no opening mark."""
    ok = [False] * (len(text) + 1)
    before = ""
    for p, ch in enumerate(text):
        ok[p] = p > 0 and ch not in NO_LINE_START and before not in NO_LINE_END
        if not ch.isspace():
            before = ch
    return ok


def _reach(text: str, start: int, width: int) -> int:
    """The first position that no longer fits on a line starting at `start` (len(text) if the rest fits); at
    least one character always goes on a line."""
    used = visible = 0
    for p in range(start, len(text)):
        used += cell_len(text[p])
        if not text[p].isspace():
            visible = used
        if visible > width and p > start:
            return p
    return len(text)


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Like rich's divide_line (the offsets at which new lines start), following 禁则.

    Each line takes as much as fits and ends at the last piece boundary where 禁则 allows a break; a piece wider
    than the line (a long code or URL) is folded at the last character where 禁则 allows it. Where that would
    leave a later line no allowed break at all (a narrow column, a mark after a long run), an earlier line gives
    up a character (追い出し); only text that no layout can set breaks anywhere."""
    n = len(text)
    boundary = [False] * (n + 1)
    for _, end in _units(text):
        boundary[end] = True
    ok = _breakable(text)

    def choices(start: int) -> list[int]:
        """Where the line starting at `start` may end, best first; [] if the rest fits."""
        reach = _reach(text, start, width)
        if reach >= n:
            return []
        span = range(reach, start, -1)
        best = [p for p in span if boundary[p] and ok[p]]
        if fold:
            best += [p for p in span if ok[p] and not boundary[p]]
        elif not best:  # rich crops a word too long for its line: the next line starts after it
            later = next((q for q in range(reach, n) if boundary[q] and ok[q]), None)
            best = [later] if later is not None else []
        return best

    def greedy(start: int, settled: dict[int, int | None]) -> list[int] | None:
        breaks: list[int] = []
        while True:
            if start in settled:
                nxt = settled[start]
            else:
                options = choices(start)
                if not options and _reach(text, start, width) < n:
                    return None
                nxt = options[0] if options else None
            if nxt is None:
                return breaks
            breaks.append(nxt)
            start = nxt

    found = greedy(0, {})
    if found is not None:
        return found
    # some line has no allowed break: find, from the end backwards, a layout where every line has one
    plan: dict[int, int | None] = {}
    feasible = [False] * (n + 1)
    feasible[n] = True
    for start in range(n - 1, -1, -1):
        options = choices(start)
        if not options and _reach(text, start, width) >= n:
            feasible[start], plan[start] = True, None
            continue
        for option in options:
            if option < n and feasible[option]:
                feasible[start], plan[start] = True, option
                break
    if feasible[0]:
        breaks, start = [], 0
        while plan.get(start) is not None:
            breaks.append(plan[start])
            start = plan[start]
        return breaks
    # no layout obeys 禁则 (marks alone wider than a line): break where it fits, as rich does
    breaks, start = [], 0
    while (reach := _reach(text, start, width)) < n:
        breaks.append(reach)
        start = reach
    return breaks


class KinsokuText(Text):
    """Text that wraps by divide_line above; otherwise rich's own wrapping, step for step."""

    def wrap(self, console: Console, width: int, *, justify=None, overflow=None, tab_size: int = 8,
             no_wrap: Optional[bool] = None) -> Lines:
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        no_wrap = (self.no_wrap if no_wrap is None else no_wrap) or overflow == "ignore"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            if no_wrap:
                if overflow == "ignore":
                    lines.append(line)
                    continue
                new_lines = Lines([line])
            else:
                new_lines = line.divide(divide_line(str(line), width, fold=wrap_overflow == "fold"))
                for part in new_lines:
                    part.rstrip_end(width)
            if wrap_justify:
                new_lines.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for part in new_lines:
                part.truncate(width, overflow=wrap_overflow)
            lines.extend(new_lines)
        return lines


def kinsoku(text: Text) -> KinsokuText:
    """The same text, spans and settings, wrapping by 禁则."""
    result = KinsokuText(text.plain, style=text.style, justify=text.justify, overflow=text.overflow,
                         no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size)
    result.spans = list(text.spans)
    return result


class KinsokuConsole(Console):
    """A Rich console whose every wrapped Chinese line follows 禁则 (see the module's description)."""

    def render(self, renderable: RenderableType, options: Optional[ConsoleOptions] = None) -> Iterable[Segment]:
        if isinstance(renderable, str):
            opts = options or self.options
            renderable = self.render_str(renderable, highlight=opts.highlight, markup=opts.markup)
        if type(renderable) is Text:
            renderable = kinsoku(renderable)
        return super().render(renderable, options)
