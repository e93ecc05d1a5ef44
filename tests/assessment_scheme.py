"""A realistic district assessment scheme of about 100 indicators, generated from the bundled lists: indicators
on the town's basic items and on its part of cooperative items (allowed), on cooperative work beyond the town's
part, on reclaimed items, the abolished R18 医保码签发, and work on no list (清单外). Each row knows what it is."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

from openpyxl import Workbook

from lvzhi.lists.bundled import bundled_dataset

OFF_LIST = ["辖区外卖骑手电动车头盔发放率达到100%", "辖区地区生产总值增速完成区下达目标", "镇机关职工年度体检参检率",
            "辖区新增市场主体数量完成目标任务", "镇街开展全民阅读进家庭活动场次", "辖区快递网点包装回收箱设置率"]
PHRASES = ["{t}工作完成情况", "做好{t}工作", "{t}落实到位", "按要求开展{t}"]


@dataclass
class Indicator:
    text: str
    department: str
    points: float
    description: str
    expect_code: str | None
    expect_flag: str | None


def scheme_indicators(seed: int = 18) -> list[Indicator]:
    dataset = bundled_dataset()
    rng = random.Random(seed)
    basic = [i for i in dataset.items_of("basic")]
    cooperative = [i for i in dataset.items_of("cooperative") if i.town_duties and i.department_duties]
    reclaimed = [i for i in dataset.items_of("reclaimed") if not i.abolished and i.lead_departments]
    rows: list[Indicator] = []
    for item in rng.sample(basic, 40):
        rows.append(Indicator(rng.choice(PHRASES).format(t=item.title), "区委督查办", rng.choice([2, 3, 5]),
                              "按季度抽查，未完成的每项扣 0.5 分", item.code, None))
    for item in rng.sample(cooperative, 20):
        rows.append(Indicator(f"{item.title}：{item.town_duties[0]}", item.departments[0], 3,
                              "按部门通报情况计分", item.code, None))
    for item in rng.sample(cooperative, 8):
        duty = item.department_duties[0].duties[0]
        rows.append(Indicator(f"{item.title}", item.departments[0], 4, f"镇街{duty}", item.code, "beyond"))
    for item in rng.sample(reclaimed, 24):
        rows.append(Indicator(rng.choice(PHRASES).format(t=item.title), item.lead_departments[0], 3,
                              "未完成的不得分", item.code, "reclaimed"))
    rows.append(Indicator("医保码签发任务完成率", "区医保局", 5, "签发率达到 90% 得满分，每低 1 个百分点扣 0.2 分",
                          "R18", "abolished"))
    for text in OFF_LIST:
        rows.append(Indicator(text, "区发展改革委", 2, "", None, "unlisted"))
    rng.shuffle(rows)
    return rows


def scheme_xlsx(rows: list[Indicator], header=("序号", "考核指标", "考核部门", "分值", "评分标准")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "考核指标"
    sheet.append(["镇街综合考核指标（示例：按内置清单生成，不是真实的考核方案）"])
    sheet.append(list(header))
    for number, row in enumerate(rows, start=1):
        sheet.append([number, row.text, row.department, row.points, row.description])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_bytes(rows: list[list], title: str = "Sheet1", extra: dict[str, list[list]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, more in (extra or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":  # python3 tests/assessment_scheme.py 考核方案.xlsx — the sample for the README's walk-through
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "考核方案示例.xlsx")
    rows = scheme_indicators()
    target.write_bytes(scheme_xlsx(rows))
    print(f"已写出 {target}：{len(rows)} 条示例指标（按内置清单生成，不是真实的考核方案）")
