"""The reviewable knowledge files are well-formed and name only things that exist in the lists."""
from __future__ import annotations

import pytest

from lvzhi.registry import registry
from lvzhi.resolve.knowledge import knowledge
from lvzhi.resolve.overlaps import written_notes
from lvzhi.search.tokenize import synonyms


@pytest.fixture(scope="module")
def codes(dataset) -> set[str]:
    return set(dataset.by_code())


def test_phrasings_name_existing_items_and_say_something(codes):
    phrasings = knowledge().phrasings
    assert set(phrasings) <= codes
    assert all(words and all(w.strip() for w in words) for words in phrasings.values())


def test_rules_name_existing_items_and_departments(dataset, codes):
    rules = knowledge()
    topics = {t.topic for t in rules.off_list}
    for scope in rules.scopes:
        assert set(scope.items) <= codes and scope.applies_when_any
        assert scope.otherwise is None or scope.otherwise in codes or scope.otherwise in topics
    for cue in rules.cues:
        assert set(cue.items) <= codes and cue.words and cue.boost > 1
    by_code = dataset.by_code()
    for code, table in rules.handler_words.items():
        assert set(table) <= set(by_code[code].lead_departments), code


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
    assert all(t.handled_by and t.phrasings for t in knowledge().off_list)


def test_written_distinctions_cover_the_known_near_duplicates(codes):
    notes = written_notes()
    assert all(set(pair) <= codes for pair in notes)
    for pair in [("B40", "R2"), ("R4", "C19"), ("C42", "R8"), ("B103", "R154"), ("C78", "R155"),
                 ("C57", "B77"), ("B93", "R145"), ("B93", "R148")]:
        assert frozenset(pair) in notes, pair
