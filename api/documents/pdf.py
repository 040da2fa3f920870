"""The shared PDF helper: A4 documents with an embedded CJK font from Debian's packages (fpdf2).

    from api.documents.pdf import new_document, heading, paragraph
    pdf = new_document("材料清单", footer="有疑问请拨打 12345")
    heading(pdf, "要办的事项")
    paragraph(pdf, "……")
    data: bytes = bytes(pdf.output())

The font is DroidSansFallbackFull.ttf (Debian's fonts-droid-fallback, installed by
scripts/browser_setup.sh with fonts-noto-cjk), with DejaVu Sans (fonts-dejavu-core) for the digits,
Latin letters and curly quotes Droid lacks; fpdf2 embeds the subset of glyphs a document uses, so a
printed sheet reads the same on any computer. PDF_CJK_FONT / PDF_LATIN_FONT name other TTFs. Without the font
the helper raises ``FontMissing`` with the package to install (a document in a font without Chinese
glyphs would print empty boxes).
"""

from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from api import clock

DEFAULT_FONT = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
# Droid Sans Fallback has the Chinese glyphs but no Latin digits or letters and no curly quotes:
# those come from DejaVu Sans (Debian's fonts-dejavu-core), embedded the same way.
LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_NAME = "cjk"
LATIN_NAME = "latin"
MARGIN_MM = 16
BODY_PT = 11


class FontMissing(RuntimeError):
    """The CJK font file is not installed."""


def font_path() -> Path:
    return Path(os.environ.get("PDF_CJK_FONT") or DEFAULT_FONT)


def latin_font_path() -> Path:
    return Path(os.environ.get("PDF_LATIN_FONT") or LATIN_FONT)


class Document(FPDF):
    """A4 portrait with a footer line and the page number on every page (no "of N": fpdf2 fills in
    the total after the text is laid out, without the fallback font that has the digits)."""

    def __init__(self, footer: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_NAME, size=8)
        self.set_text_color(90, 90, 90)
        page = f"第 {self.page_no()} 页"
        self.cell(0, 5, f"{self.footer_text}　{page}" if self.footer_text else page, align="C")
        self.set_text_color(0, 0, 0)


def new_document(title: str, *, footer: str = "", author: str = "贵州省个人身后“一件事”") -> Document:
    """An A4 document with the CJK font embedded, its title and China's time as its creation date."""
    path = font_path()
    if not path.is_file():
        raise FontMissing(
            f"找不到中文字体 {path}：请安装 Debian 的 fonts-droid-fallback（apt-get install "
            "fonts-droid-fallback），或用 PDF_CJK_FONT 指定一个 TTF 字体。"
        )
    latin = latin_font_path()
    if not latin.is_file():
        raise FontMissing(
            f"找不到西文字体 {latin}（数字和字母）：请安装 Debian 的 fonts-dejavu-core，"
            "或用 PDF_LATIN_FONT 指定一个 TTF 字体。"
        )
    pdf = Document(footer)
    pdf.add_font(FONT_NAME, "", str(path))
    pdf.add_font(LATIN_NAME, "", str(latin))
    pdf.set_fallback_fonts([LATIN_NAME], exact_match=False)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("api/documents/pdf.py (fpdf2)")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(clock.now())
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font(FONT_NAME, size=BODY_PT)
    return pdf


def _bold(pdf: FPDF, on: bool) -> None:
    # the font has no bold face: draw the outline too (fill + stroke), the usual CJK "fake bold"
    if on:
        pdf.set_line_width(0.18)
        pdf.text_mode = TextMode.FILL_STROKE
    else:
        pdf.text_mode = TextMode.FILL


def title(pdf: FPDF, text: str, size: float = 17) -> None:
    pdf.set_font(FONT_NAME, size=size)
    _bold(pdf, True)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _bold(pdf, False)
    pdf.set_font(FONT_NAME, size=BODY_PT)
    pdf.ln(1)


def heading(pdf: FPDF, text: str, size: float = 13) -> None:
    pdf.ln(2)
    if pdf.get_y() > pdf.h - 40:  # no heading alone at the bottom of a page
        pdf.add_page()
    pdf.set_font(FONT_NAME, size=size)
    _bold(pdf, True)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _bold(pdf, False)
    y = pdf.get_y() + 0.5
    pdf.set_draw_color(60, 60, 60)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_font(FONT_NAME, size=BODY_PT)
    pdf.ln(2)


def paragraph(pdf: FPDF, text: str, size: float = BODY_PT, indent: float = 0, gray: bool = False) -> None:
    pdf.set_font(FONT_NAME, size=size)
    if gray:
        pdf.set_text_color(70, 70, 70)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT_NAME, size=BODY_PT)


def checkbox_line(pdf: FPDF, text: str, detail: str | None = None, checked: bool = False) -> None:
    """☐ text — a line a family ticks off with a pen; `detail` in smaller gray text below."""
    x, y = pdf.l_margin, pdf.get_y() + 1.2
    if pdf.will_page_break(8):
        pdf.add_page()
        y = pdf.get_y() + 1.2
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, 3.6, 3.6)
    if checked:
        pdf.line(x + 0.6, y + 1.8, x + 1.6, y + 3.0)
        pdf.line(x + 1.6, y + 3.0, x + 3.2, y + 0.6)
    pdf.set_xy(x + 6, pdf.get_y())
    pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if detail:
        paragraph(pdf, detail, size=9.5, indent=6, gray=True)
    pdf.ln(0.8)


def to_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
