"""The reviewable knowledge files are well-formed, name only things that exist in the lists, cover every item,
and follow an item by its title (never by its code alone)."""
from __future__ import annotations

import copy
import re

import pytest

from lvzhi.knowledge import drifted, general, knowledge_for, own_folder, read_town_folder, town_folders, towns_folder
from lvzhi.registry import registry
from lvzhi.resolve import Resolver
from lvzhi.resolve.overlaps import written_notes
from lvzhi.search.tokenize import synonyms

# Below these an item's knowledge is thin: too few ways of saying it for the resolver to find it.
MIN_RESIDENT_PHRASES = 10
MIN_TASK_PHRASES = 3


@pytest.fixture(scope="module")
def codes(dataset) -> set[str]:
    return set(dataset.by_code())


@pytest.fixture(scope="module")
def rules(dataset):
    return knowledge_for(dataset)


def test_the_bundled_towns_entries_match_its_items_titles(dataset):
    folder = own_folder(dataset.town.name)
    assert folder is not None and folder.folder == "luohuang"
    assert drifted(folder, dataset) == []


def test_every_item_has_knowledge_and_none_is_thin(dataset, rules):
    thin = [code for code in dataset.by_code() if code not in rules.items
            or len(rules.items[code].residents) < MIN_RESIDENT_PHRASES
            or len(rules.items[code].tasks) < MIN_TASK_PHRASES or not rules.items[code].marks]
    assert thin == [], f"knowledge missing or thin for: {thin}"


def test_phrasings_say_something_and_siblings_exist(rules, codes):
    for code, entry in rules.items.items():
        assert all(w.strip() for w in entry.phrasings), code
        assert set(entry.siblings) <= codes and code not in entry.siblings, code


def test_rules_name_existing_items_and_departments(dataset, codes, rules):
    topics = {t.topic for t in rules.off_list}
    for scope in rules.scopes:
        assert set(scope.items) <= codes and scope.when
        assert scope.otherwise is None or scope.otherwise in codes or scope.otherwise in topics
    for cue in rules.cues:
        assert set(cue.items) <= codes and cue.words and cue.boost > 1
    by_code = dataset.by_code()
    for code, table in rules.handler_words.items():
        assert set(table) <= set(by_code[code].lead_departments), code


def test_a_drifted_key_is_not_applied(dataset):
    """An item renumbered keeps its knowledge; an item whose title changed under the same code loses it."""
    changed = copy.deepcopy(dataset)
    by_code = changed.by_code()
    by_code["R126"].title = "对某项新设事项的处罚"
    by_code["B110"].code, by_code["B111"].code = "B111", "B110"  # two items swap numbers
    rules = knowledge_for(changed)
    assert "R126" not in rules.items and all("R126" not in s.items for s in rules.scopes)
    assert rules.items["B111"].title == dataset.by_code()["B110"].title
    folder = own_folder(dataset.town.name)
    assert set(drifted(folder, changed)) == {"R126", "B110", "B111"}


def test_another_town_with_the_same_items_gets_the_knowledge_by_title(dataset):
    other = copy.deepcopy(dataset)
    other.town.name = "白沙镇"
    for item in other.items:  # another district's numbering: same items, other codes
        item.code = item.code[0] + str(item.number + 1000)
    rules = knowledge_for(other)
    assert len(rules.items) == len(dataset.items)
    assert any("R1126" in scope.items for scope in rules.scopes)
    answer = Resolver(other).resolve("村道上骑摩托车不戴头盔，谁来罚？")
    assert answer.item is not None and answer.item.code.startswith("R11")


def test_a_town_without_knowledge_still_resolves_by_the_lists_text(dataset):
    other = copy.deepcopy(dataset)
    other.town.name = "新镇"
    for item in other.items:
        item.title = item.title + "（新镇）"  # no entry's title matches any more
    rules = knowledge_for(other)
    assert rules.items == {} and rules.scopes == () and rules.off_list  # general knowledge only
    answer = Resolver(other).resolve("申请最低生活保障")
    assert answer.verdict == "basic"


def test_every_department_of_the_lists_is_in_the_registry(dataset):
    assert set(dataset.departments()) <= set(registry())


def test_no_alias_is_claimed_by_two_departments():
    seen: dict[str, str] = {}
    for entry in registry().values():
        for alias in entry.aliases:
            assert seen.setdefault(alias, entry.name) == entry.name, alias


def test_synonyms_map_words_to_terms():
    table = synonyms()
    assert len(table) > 300
    assert all(terms for terms in table.values())
    assert table["违建"] == ("违法建设", "违法建筑") and "最低生活保障" in table["低保"]


def test_off_list_topics_say_who_handles_them():
    off_list, _ = general()
    assert off_list and all(t.handled_by and t.phrasings for t in off_list)
    # answers say "通常由{handled_by}办理": a remark after "；" or "。" would end up before "办理" — keep it in brackets
    for topic in off_list:
        outside = re.sub(r"（[^（）]*）", "", topic.handled_by)
        assert not re.search(r"[；;。，,]", outside), f"{topic.topic}：{topic.handled_by}"


def test_every_town_folder_reads():
    assert [f.town for f in town_folders()] == ["珞璜镇"]
    assert len(read_town_folder(towns_folder() / "luohuang").items) == 402


def test_written_distinctions_cover_the_known_near_duplicates(dataset, codes):
    notes = written_notes(Resolver(dataset))
    assert all(set(pair) <= codes for pair in notes)
    for pair in [("B40", "R2"), ("R4", "C19"), ("C42", "R8"), ("B103", "R154"), ("C78", "R155"),
                 ("C57", "B77"), ("B93", "R145"), ("B93", "R148")]:
        assert frozenset(pair) in notes, pair
