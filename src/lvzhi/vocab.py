"""Words every face shows for the same thing, defined once."""
from __future__ import annotations

VERDICTS: tuple[str, ...] = ("basic", "cooperative", "reclaimed", "abolished", "unlisted")

# Short labels (badges, table columns, exported files).
VERDICT_LABELS: dict[str, str] = {"basic": "基本履职", "cooperative": "配合履职", "reclaimed": "上级部门收回",
                                  "abolished": "不再开展", "unlisted": "清单外"}

# What each verdict means, in a sentence.
VERDICT_WORDS: dict[str, str] = {
    "basic": "基本履职事项（镇自己负责）",
    "cooperative": "配合履职事项（上级部门牵头，镇只做清单所列的配合部分）",
    "reclaimed": "上级部门收回事项（不得交由镇承担，由承接部门办理）",
    "abolished": "已取消的考核事项（不再开展此项工作）",
    "unlisted": "清单外事项（三张清单均未列入）",
}
