"""The Word opinion is an official document: A4, Chinese faces, title centred, issuer and date at the foot."""
from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from lvzhi.formats.documents import BODY_FONT, official_docx


def test_official_docx_is_a4_with_chinese_faces_and_a_seal_line():
    data = official_docx("关于“测试任务”的职责准入审查意见", "审查编号：7",
                         [("一、基本情况", ["交办部门：区卫生健康委", "承接镇街：珞璜镇"])], "珞璜镇", "2026-12-02")
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    paragraphs = [p for p in document.paragraphs if p.text]
    assert paragraphs[0].text.startswith("关于") and paragraphs[0].alignment == 1  # centred
    body = next(p for p in paragraphs if p.text.startswith("交办部门"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    assert paragraphs[-2].text == "珞璜镇（盖章）" and paragraphs[-1].text == "2026-12-02"
