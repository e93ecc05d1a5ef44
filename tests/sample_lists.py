"""Sample databases for tests: two versions of 珞璜镇's lists and a second town whose item text is hostile HTML."""
from __future__ import annotations

import copy

from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset
from lvzhi.model import Dataset, Item, Town
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset

HOSTILE_TITLE = "<script>alert('x')</script>负责测试镇的安全管理工作"


def amended_lists() -> Dataset:
    """The bundled lists with C39 given one more town duty, C110 removed and B130 added (a 动态调整)."""
    dataset = bundled_dataset()
    by_code = dataset.by_code()
    by_code["C39"].town_duties = [*by_code["C39"].town_duties, "负责组织献血志愿者。"]
    dataset.items = [i for i in dataset.items if i.code != "C110"]
    dataset.items.append(Item(code="B130", list="basic", number=130, category="综合政务",
                              title="负责本镇数据安全管理工作。"))
    dataset.version = "2026年调整版"
    return dataset


def hostile_town() -> Dataset:
    return Dataset(Town("测试镇", "测试区", "测试市"), "测试版", [
        Item(code="B1", list="basic", number=1, category="综合政务", title=HOSTILE_TITLE)])


def populated_store(url: str) -> Store:
    store = Store(url)
    with store.transaction() as session:
        save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
    with store.transaction() as session:
        save_dataset(session, amended_lists(), source_name="amended.json", label="2026年调整版")
    with store.transaction() as session:
        save_dataset(session, hostile_town(), source_name="hostile.json")
    return store


def add_people(store: Store, people: dict[str, tuple[str, str | None, str | None]], password: str) -> dict[str, str]:
    """Accounts named by the keys, (role, town, department) each, with the same password; their API tokens."""
    from lvzhi.work import accounts
    from lvzhi.work.audit import Actor

    tokens = {}
    with store.transaction() as session:
        for name, (role, town, department) in people.items():
            accounts.add_user(session, Actor.command_line(), name, password, role, town, department, name)
            tokens[name] = accounts.issue_token(session, Actor.command_line(), name, "tests")
    return tokens


def copied_towns(store: Store, count: int, changed: set[int] = frozenset()) -> list[str]:
    """`count` copies of the bundled lists; the copies numbered in `changed` differ in one title."""
    base, names = bundled_dataset(), []
    for n in range(count):
        dataset = copy.deepcopy(base)
        dataset.town.name = f"测试镇{n:02d}"
        if n in changed:
            dataset.items[0].title += f"（{n}）"
        with store.transaction() as session:
            save_dataset(session, dataset, source_name="copy.json")
        names.append(dataset.town.name)
    return names
