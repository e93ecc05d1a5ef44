"""Another town's document in the same format — cells wrapped and pages broken elsewhere — parses right.

The documents are made by rendering the bundled lists at other column widths and page heights
(docrender.py emulates how the PDF extraction orders a row that crosses a page).
"""
from __future__ import annotations

import pytest

from docrender import Layout, render
from lvzhi.ingest.document import parse_document

LAYOUTS = {
    "same widths, pages elsewhere": Layout(page_lines=40, seed=0),
    "narrow title, wide duties, long pages": Layout(title_width=6, department_width=5, duty_width=28,
                                                   reclaimed_title_width=28, method_width=50, page_lines=55, seed=2),
    "no page breaks inside rows": Layout(title_width=8, department_width=7, duty_width=27, reclaimed_title_width=22,
                                        method_width=44, page_lines=10_000, seed=4),
    "short pages": Layout(basic_width=40, title_width=8, department_width=7, duty_width=22, reclaimed_title_width=20,
                          method_width=40, page_lines=25, seed=3),
}
# Where the extracted text alone cannot say which column a line belongs to (an unfinished department
# point followed by an unnumbered town paragraph; a one-word title remainder beside an unfinished method;
# a multi-sentence point whose line ends in "。" exactly at the column edge),
# a few rows may be misread. The numbers below are the measured worst case and must not grow.
MAX_MISREAD = 3


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_rewrapped_document_parses_to_the_same_lists(dataset, name):
    text = render(dataset, LAYOUTS[name])
    parsed = parse_document(text, dataset.town, version=dataset.version)
    expected = {i.code: i.to_dict() for i in dataset.items}
    got = {i.code: i.to_dict() for i in parsed.items}
    assert list(got) == list(expected)
    misread = [code for code in expected if got[code] != expected[code]]
    assert len(misread) <= MAX_MISREAD, misread
    assert [i.title for i in parsed.items if i.list == "basic"] == [i.title for i in dataset.items_of("basic")]
