"""Chinese line breaking (禁则) in the command line's output: no wrapped line starts with a closing mark
(。，、；：？！）》」』) or ends with an opening one (（《「『), for every item of the bundled lists at 40, 60 and 80
columns, while rich's own wrapping breaks the rule (the count is printed, so a report can quote it)."""
from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.text import Text

from lvzhi.cli.answers import answer_panel
from lvzhi.cli.linebreak import KinsokuConsole, divide_line
from lvzhi.cli.render import item_panel, item_table
from lvzhi.lists.bundled import bundled_dataset
from lvzhi.model import LIST_KINDS, LIST_TITLES

NO_START = "。，、；：？！）》」』"
NO_END = "（《「『"
# a rendered line falls into cells at box-drawing characters and at column gaps (two spaces or more)
CELL_SPLIT = re.compile(r"[\u2500-\u257f|]+|\s{2,}")
WIDTHS = (40, 60, 80)


def bad_lines(output: str) -> list[str]:
    bad = []
    for line in output.splitlines():
        for cell in CELL_SPLIT.split(line):
            cell = cell.strip()
            if cell and (cell[0] in NO_START or cell[-1] in NO_END):
                bad.append(line)
                break
    return bad


def shown(console_class, width: int, renderables) -> str:
    out = io.StringIO()
    console = console_class(file=out, width=width, color_system=None, legacy_windows=False)
    for renderable in renderables:
        console.print(renderable)
    return out.getvalue()


@pytest.fixture(scope="module")
def dataset():
    return bundled_dataset()


def every_item(dataset):
    town = dataset.town.name
    yield from (item_panel(item, town) for item in dataset.items)
    yield from (item_table(dataset.items_of(kind), LIST_TITLES[kind]) for kind in LIST_KINDS)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_item_follows_kinsoku(dataset, width):
    ours = bad_lines(shown(KinsokuConsole, width, every_item(dataset)))
    plain = bad_lines(shown(Console, width, every_item(dataset)))
    print(f"\n宽 {width}：rich 原样 {len(plain)} 行违反禁则，lvzhi {len(ours)} 行")
    assert ours == [], "\n".join(ours[:10])
    assert plain, "rich's own wrapping no longer breaks the rule: the comparison shows nothing"


def test_no_text_is_lost_or_reordered(dataset):
    """Wrapping only chooses where lines break: joined back, the lines are the text itself."""
    for item in dataset.items:
        text = item.title + "".join(item.town_duties) + "".join(m for h in item.handlers for m in h.methods)
        for width in (12, 17, 23, 40):
            breaks = divide_line(text, width)
            assert breaks == sorted(set(breaks)) and all(0 < b < len(text) for b in breaks)
            pieces = [text[a:b] for a, b in zip([0, *breaks], [*breaks, len(text)])]
            assert "".join(pieces) == text
            for piece in pieces[1:]:
                assert piece[0] not in NO_START, (width, pieces)
            for piece in pieces[:-1]:
                assert piece.rstrip()[-1] not in NO_END, (width, pieces)


def test_codes_dates_and_urls_are_not_broken_inside():
    text = "请于2027-01-01前报送，详见 https://example.gov.cn/a/b 和事项B75（违法建设）。"
    out = shown(KinsokuConsole, 30, [text])
    assert "2027-01-01" in out and "https://example.gov.cn/a/b" in out and "B75" in out
    assert bad_lines(out) == []


def test_styles_survive_and_answers_follow_kinsoku(tmp_path):
    """Styled text (spans) keeps its styles through the wrapping; an answer panel at 40 columns has no bad line."""
    text = Text("判定：", style="bold") + Text("属于配合履职事项，由区卫生健康委牵头负责，镇只承担清单所列的配合职责。", style="cyan")
    out = io.StringIO()
    KinsokuConsole(file=out, width=20, color_system="truecolor", force_terminal=True).print(text)
    assert "\x1b[1m判定：" in out.getvalue() and "\x1b[1;36m" in out.getvalue()
    from lvzhi.resolve.resolver import Resolver
    resolver = Resolver(bundled_dataset())
    answers = [resolver.resolve(t) for t in ("小区楼下那家托育机构消防通道堆满杂物，谁来查？", "占道摆摊",
                                             "园区里的道路坏了没人修", "我想办护照")]
    assert bad_lines(shown(KinsokuConsole, 40, [answer_panel(a) for a in answers])) == []


def test_every_command_prints_through_kinsoku_consoles():
    import importlib

    cli_app = importlib.import_module("lvzhi.cli.app")
    assert isinstance(cli_app.console, KinsokuConsole) and isinstance(cli_app.errors, KinsokuConsole)


def test_an_earlier_line_gives_up_a_character_when_a_later_one_could_not_break():
    """“甲乙丙丁戊（己庚），辛” at 12 columns: greedy would end a line after 戊 and leave “（己庚），辛” (12 cells,
    but no allowed break before “，” within it); the layout found keeps every line within 禁则 and 12 cells."""
    text = "甲乙丙丁戊己（庚辛壬），癸子丑"
    for width in range(10, 20):
        breaks = divide_line(text, width)
        pieces = [text[a:b] for a, b in zip([0, *breaks], [*breaks, len(text)])]
        assert "".join(pieces) == text
        assert all(p[0] not in NO_START for p in pieces[1:]) and all(p[-1] not in NO_END for p in pieces[:-1])
        assert all(sum(2 for _ in p) <= width for p in pieces), (width, pieces)


def test_piped_output_is_not_cut_at_80_columns(tmp_path):
    """Without a terminal (a pipe, a file) and without COLUMNS, tables keep whole lines instead of rich's 80."""
    import os
    import subprocess
    import sys

    from rich.cells import cell_len

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run([sys.executable, "-m", "lvzhi", "--database", f"sqlite:///{tmp_path / 'lvzhi.db'}", "search",
                           "消防"], capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    widest = max(cell_len(line) for line in done.stdout.splitlines())
    assert widest > 80, f"最宽的一行只有 {widest} 列"
    assert bad_lines(done.stdout) == []
