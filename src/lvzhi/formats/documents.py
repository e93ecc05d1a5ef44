"""Word documents in the layout of a Chinese official document (GB/T 9704 in outline): A4, a centred title in
a 小标宋-style face, body text in 仿宋 at 三号 (16 pt), the issuing body and date at the foot, room for the seal."""
from __future__ import annotations

import io
from typing import Sequence

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
BODY_SIZE = 16  # 三号, in points
TITLE_SIZE = 22  # 二号


def _face(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(document, text: str, font: str, size: float, align=None, bold: bool = False, indent: bool = False):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    paragraph.paragraph_format.line_spacing = Pt(28)
    _face(paragraph.add_run(text), font, size, bold)
    return paragraph


def official_docx(title: str, reference: str, sections: Sequence[tuple[str, Sequence[str]]], issuer: str,
                  date_text: str) -> bytes:
    """Title, a reference line, numbered sections of paragraphs, then the issuer and date (盖章处) at the foot."""
    # python-docx is imported when a document is written, not when a server starts (it takes ~0.3 s)
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _paragraph(document, title, TITLE_FONT, TITLE_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, reference, BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
    for heading, lines in sections:
        _paragraph(document, heading, HEADING_FONT, BODY_SIZE)
        for line in lines:
            _paragraph(document, line, BODY_FONT, BODY_SIZE, indent=True)
    document.add_paragraph()
    if issuer:
        _paragraph(document, f"{issuer}（盖章）", BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, date_text, BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
