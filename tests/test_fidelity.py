"""The bundled 珞璜镇 dataset against the official document it was parsed from."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from lvzhi.lists.bundled import bundled_dataset, regenerate
from lvzhi.model import LIST_TITLES

CJK = re.compile(r"[\u4e00-\u9fff]")
CATEGORY = re.compile(r"^\s*[一二三四五六七八九十]+、(\S+?)（(\d+)项）\s*$")
FURNITURE = re.compile(r"^\s*(第\s*\d+\s*页|序号\s+事项名称.*|基本履职事项清单|配合履职事项清单|上级部门收回事项清单)\s*$")


def document_sections(text: str) -> dict[str, list[str]]:
    """The document's lines per list, split at the list titles (the closing table of contents aside)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        title = line.strip()
        kind = next((k for k, t in LIST_TITLES.items() if t == title), None)
        if kind:
            current = None if kind in sections else kind
            if current:
                sections[current] = []
            continue
        if current:
            sections[current].append(line)
    return sections


def test_regenerating_from_the_source_gives_the_bundled_dataset():
    assert regenerate().to_dict() == bundled_dataset().to_dict()


def test_counts_per_list_and_category_equal_the_document_headers(source_text, dataset):
    for kind, lines in document_sections(source_text).items():
        declared = [(m.group(1), int(m.group(2))) for line in lines if (m := CATEGORY.match(line))]
        assert dataset.categories(kind) == declared
    assert [len(dataset.items_of(k)) for k in LIST_TITLES] == [129, 110, 163]


def test_numbers_run_one_to_n_and_codes_follow(dataset):
    for kind, prefix in (("basic", "B"), ("cooperative", "C"), ("reclaimed", "R")):
        items = dataset.items_of(kind)
        assert [i.number for i in items] == list(range(1, len(items) + 1))
        assert [i.code for i in items] == [f"{prefix}{n}" for n in range(1, len(items) + 1)]


def _item_characters(item) -> str:
    parts = [item.title, *item.departments, *item.town_duties, item.note or ""]
    single = len(item.department_duties) == 1 and item.department_duties[0].departments == item.departments
    for group in item.department_duties:
        parts += group.duties if single else [*group.departments, *group.duties]
    for handler in item.handlers:
        parts += [*handler.departments, *handler.methods]
    return "".join(parts)


def test_every_chinese_character_of_the_document_is_in_the_data_exactly_once(source_text, dataset):
    """Nothing dropped, nothing invented: per list, the multiset of CJK characters is identical."""
    for kind, lines in document_sections(source_text).items():
        document = Counter()
        for line in lines:
            if FURNITURE.match(line) or CATEGORY.match(line):
                continue
            document.update(CJK.findall(line.replace("承接部门：", "").replace("工作方式：", "")))
        data = Counter(CJK.findall("".join(_item_characters(i) for i in dataset.items_of(kind))))
        assert document - data == Counter(), f"{kind}: characters dropped"
        assert data - document == Counter(), f"{kind}: characters invented"


def test_every_duty_and_method_is_printed_in_the_document(source_text, dataset):
    """Each point's start and end stand in the document (a page break may split its middle)."""
    compact = re.sub(r"\s+", "", source_text)
    for item in dataset.items:
        points = item.town_duties + [d for g in item.department_duties for d in g.duties]
        points += [m for h in item.handlers for m in h.methods]
        for point in points:
            assert point[:4] in compact and point[-4:] in compact, (item.code, point)


def test_cooperative_items_are_complete(dataset):
    for item in dataset.items_of("cooperative"):
        assert item.departments and item.town_duties, item.code
        assert item.department_duties and all(g.departments and g.duties for g in item.department_duties), item.code
        for group in item.department_duties:
            assert set(group.departments) <= set(item.departments), item.code


def test_reclaimed_items_have_handlers_or_are_abolished(dataset):
    abolished = [i.code for i in dataset.items_of("reclaimed") if i.abolished]
    assert abolished == ["R15", "R17", "R18"]
    for item in dataset.items_of("reclaimed"):
        if item.abolished:
            assert item.note == "落实党中央精简优化基层考核有关要求，不再开展此项工作。" and not item.handlers
        else:
            assert item.handlers and all(h.departments and h.methods for h in item.handlers), item.code


@pytest.mark.parametrize(
    "code, groups",
    [
        ("C1", [["区委组织部", "区人力社保局"], ["区级相关部门"]]),
        ("C6", [["区人大常委会信访办公室"], ["区纪委监委机关"], ["区委社会工作部"], ["区民政局"]]),
        ("C74", [["区住房城乡建委"], ["区城市管理局"], ["区市场监管局"], ["区消防救援局"], ["区规划和自然资源局"], ["区公安局"]]),
        ("C16", [["区统计局"], ["国家统计局江津调查队"]]),
    ],
)
def test_department_groups_as_printed(dataset, code, groups):
    assert [g.departments for g in dataset.by_code()[code].department_duties] == groups


def test_rows_split_by_page_breaks(dataset):
    items = dataset.by_code()
    c31 = items["C31"]  # department point 5 continues on the next page, after the town's column
    assert c31.department_duties[0].duties[4].endswith("培训机构和劳动者骗取就业专项资金等行为进行处罚。")
    assert len(c31.department_duties[0].duties) == 6 and len(c31.town_duties) == 5
    c38 = items["C38"]  # the title itself continues on the next page
    assert c38.title.endswith("救助制度，发放职工以外独生子女父母奖励金")
    assert items["C44"].town_duties[3].startswith("开展生活饮用水")
    assert items["C74"].departments[-1] == "区公安局"  # "区公安" + page break + "局"
    assert items["C74"].town_duties[2].endswith("属于相关部门职责范围的，依法移交相关部门处理。")
    assert items["R106"].title.endswith("发现隐患未采取安全措施和消除隐患的处罚")
    assert items["R9"].handlers[0].methods == ["核实超领、冒领人员名单。", "追回超领、冒领奖扶资金。"]
    assert items["C55"].department_duties[0].duties[3].endswith("统筹推进各类应急避难场所设施建设，督促做好应急避难场所管理维护工作。")
    # R115: the title runs on over two lines on the next page, beside the unfinished first method
    r115 = items["R115"]
    assert r115.title.endswith("，对生产经营单位未建立安全风险分级管控制度或者未按照安全风险分级采取相应管控措施的处罚")
    assert r115.handlers[0].methods[0].endswith(
        "违反安全生产事故隐患排查治理等制度的处罚，对生产经营单位未建立安全风险分级管控制度或者未按照安全风险分级采取相应管控措施的开展行政检查。")


def test_rows_the_layout_leaves_open_are_reported(source_text):
    """C31 and C44: after the page break both duty columns had filled the page, so the numbered point
    that follows could be either's; the parser decides by wording and says so."""
    from lvzhi.ingest import DEFAULT_TOWN
    from lvzhi.ingest.document import parse_document

    assert parse_document(source_text, DEFAULT_TOWN).unsure == ["C31", "C44"]


def test_handlers_of_multi_handler_items(dataset):
    items = dataset.by_code()
    assert [h.departments for h in items["R1"].handlers] == [["区招商投资局"], ["江津综保区管委会"]]
    assert [h.departments for h in items["R157"].handlers] == [["区住房城乡建委"], ["区城市管理局"]]
    assert len(items["R162"].handlers) == 7
    assert items["R163"].handlers[0].departments == ["江津综保区管委会", "珞城实业公司（原珞璜建司）"]
