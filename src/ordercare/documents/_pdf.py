"""The page furniture shared by the shipping documents: fonts, header, footer, boxes, tables.

A4 portrait in millimetres. Everything here draws; what goes on which document is decided
in shipping.py.

Fonts: DejaVu Sans (regular and bold) because it covers the accented and Central European
letters our customers' names and addresses contain ("Łódź", "Kraków", "Société Générale").
When the font files are not installed we fall back to the PDF core font Helvetica, which
needs no file but only knows Latin-1 (fpdf2 raises on any other character). Rather than fail
to print a shipping document, the fallback spells text in Latin-1: characters Latin-1 has
are kept, the rest are decomposed (NFKD) and their accents dropped ("ź" -> "z"), a few
letters that do not decompose are mapped by hand ("Ł" -> "L"), and whatever is still left
over is dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode

REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"

INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (173, 181, 189)
HEADING_FILL = (226, 230, 236)
ZEBRA_FILL = (246, 247, 249)
NOTE_FILL = (255, 248, 225)  # special instructions stand out without shouting

MARGIN = 15
FOOTER_SPACE = 18  # bottom margin: the footer sits inside it
LABEL_PT = 6.5
BODY_PT = 9
TABLE_PT = 8.5
PAD = 2.5  # inside boxes

# Letters with no Unicode decomposition, and punctuation outside Latin-1, that would
# otherwise vanish in the Helvetica fallback.
_BY_HAND = str.maketrans({
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
    "Œ": "OE", "œ": "oe", "–": "-", "—": "-", "‘": "'", "’": "'", "‚": ",",
    "“": '"', "”": '"', "„": '"', "…": "...", "•": "·", "€": "EUR", "✓": "x",
})


def to_latin1(text: str) -> str:
    out: list[str] = []
    for ch in text.translate(_BY_HAND):
        if ord(ch) > 0xFF:
            # Decomposing leaves the base letter and combining accents; encoding drops the
            # accents (none is in Latin-1) and anything else Latin-1 cannot spell.
            ch = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        # Control characters go too, line breaks apart: codes 0x80-0x9f would print as
        # other glyphs in the WinAnsi encoding the PDF declares for Helvetica.
        out.extend(c for c in ch if c == "\n" or unicodedata.category(c) != "Cc")
    return "".join(out)


def fmt_decimal(value: Decimal, places: int) -> str:
    """1234.5 -> '1,234.50'. Rounded half-up, as a person would round a printed weight."""
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # relative; the table fills the text width
    align: str = "LEFT"


class DocumentPDF(FPDF):
    def __init__(self, *, title: str, number: str, issuer: str, ship_date: date,
                 font_dir: Path, compress: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.doc_number = number
        self.issuer = issuer
        self.unicode_fonts = (font_dir / REGULAR_FILE).is_file() and (font_dir / BOLD_FILE).is_file()
        if self.unicode_fonts:
            self.add_font("DejaVu", "", str(font_dir / REGULAR_FILE))
            self.add_font("DejaVu", "B", str(font_dir / BOLD_FILE))
            self.base_family = "DejaVu"
        else:
            self.base_family = "Helvetica"
        self.set_compression(compress)
        # Same input, same bytes: the only clock fpdf2 would otherwise embed is the creation date.
        self.set_creation_date(datetime(ship_date.year, ship_date.month, ship_date.day, tzinfo=UTC))
        self.set_title(f"{title} {number}")
        self.set_author(issuer)
        self.set_creator("Ordercare")
        self.set_lang("en")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_SPACE)
        # The page count goes where "{nb}" was, left-aligned in the width "{nb}" took: the
        # right-aligned footer then ends a hair short of the margin instead of showing a gap.
        self.alias_nb_pages(align="L")
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_line_width(0.25)

    def normalize_text(self, text: str) -> str:
        # Every string fpdf2 prints or measures passes through here, so the fallback
        # cannot meet a character Helvetica does not have.
        if not self.is_ttf_font:
            text = to_latin1(text)
        return super().normalize_text(text)

    def use_font(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(self.base_family, "B" if bold else "", size)
        self.set_text_color(*color)

    # -- furniture -----------------------------------------------------------------------

    def header(self) -> None:
        if self.page_no() == 1:
            return  # the first page has the full heading, drawn by first_page_heading
        self.use_font(7.5, color=MUTED)
        self.cell(self.epw / 2, 5, self.issuer)
        self.cell(self.epw / 2, 5, f"{self.doc_title.upper()}  {self.doc_number}  (continued)", align="R")
        self.ln(6)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.use_font(7.5, color=MUTED)
        self.cell(self.epw / 2, 4, f"{self.doc_title} {self.doc_number}")
        self.cell(self.epw / 2, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    def first_page_heading(self, issuer_lines: Sequence[str], facts: Sequence[tuple[str, str]]) -> None:
        """Issuer on the left, document title and its key facts on the right, a rule below."""
        top = self.get_y()
        self.use_font(13, bold=True)
        self.multi_cell(105, 6, self.issuer, align="L", new_x="LMARGIN", new_y="NEXT")
        self.use_font(BODY_PT, color=MUTED)
        for line in issuer_lines:
            self.multi_cell(105, 4.2, line, align="L", new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()

        right_x, right_w = self.l_margin + 105, self.epw - 105
        self.set_xy(right_x, top)
        self.use_font(17, bold=True)
        self.cell(right_w, 8, self.doc_title.upper(), align="R", new_x="LEFT", new_y="NEXT")
        self.ln(1)
        for label, value in facts:
            self.set_x(right_x)
            self.use_font(8, color=MUTED)
            self.cell(right_w - 40, 5, label, align="R")
            self.use_font(10, bold=True)
            self.cell(40, 5, self.fit(value, 40), align="R", new_x="LEFT", new_y="NEXT")
            self.set_x(right_x)
        self.set_y(max(left_bottom, self.get_y()) + 3)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    # -- building blocks -----------------------------------------------------------------

    def fit(self, text: str, width: float) -> str:
        """Cut text to one line of the given width, ending in an ellipsis if it was cut."""
        room = width - 2 * self.c_margin
        if self.get_string_width(text) <= room:
            return text
        while text and self.get_string_width(text + "…") > room:
            text = text[:-1]
        return text.rstrip() + "…"

    def _box_lines(self, x: float, y: float, w: float, label: str,
                   lines: Sequence[tuple[str, bool]], draw: bool) -> float:
        """Label and wrapped lines inside a box of width w; returns the height used."""
        inner = w - 2 * PAD
        h = PAD
        self.use_font(LABEL_PT, bold=True, color=MUTED)
        if draw:
            self.set_xy(x + PAD, y + h)
            self.cell(inner, 3.5, label.upper())
        h += 4.5
        for text, bold in lines:
            self.use_font(10 if bold else BODY_PT, bold=bold)
            line_h = 5 if bold else 4.3
            if draw:
                self.set_xy(x + PAD, y + h)
                self.multi_cell(inner, line_h, text, align="L")
            h += self.multi_cell(inner, line_h, text, align="L", dry_run=True, output="HEIGHT")
        return h + PAD

    def boxes(self, contents: Sequence[tuple[str, Sequence[tuple[str, bool]]]], gap: float = 4) -> None:
        """Labelled boxes of equal width side by side, all as tall as the tallest, kept on one page."""
        n = len(contents)
        widths = [(self.epw - gap * (n - 1)) / n] * n
        h = max(self._box_lines(0, 0, w, label, lines, draw=False) for w, (label, lines) in zip(widths, contents))
        if self.will_page_break(h):
            self.add_page()
        y, x = self.get_y(), self.l_margin
        for w, (label, lines) in zip(widths, contents):
            self.rect(x, y, w, h)
            self._box_lines(x, y, w, label, lines, draw=True)
            x += w + gap
        self.set_xy(self.l_margin, y + h + gap)

    def field_grid(self, fields: Sequence[tuple[str, str]], columns: int) -> None:
        """A form-like grid: each cell a small label over a one-line value."""
        cell_w, cell_h = self.epw / columns, 10
        rows = [fields[i:i + columns] for i in range(0, len(fields), columns)]
        if self.will_page_break(cell_h * len(rows)):
            self.add_page()
        top = self.get_y()
        for r, row in enumerate(rows):
            for c, (label, value) in enumerate(row):
                x, y = self.l_margin + c * cell_w, top + r * cell_h
                self.rect(x, y, cell_w, cell_h)
                self.set_xy(x + PAD - self.c_margin, y + 1.2)
                self.use_font(LABEL_PT, bold=True, color=MUTED)
                self.cell(cell_w, 3.5, label.upper())
                self.set_xy(x + PAD - self.c_margin, y + 4.8)
                self.use_font(BODY_PT)
                self.cell(cell_w - PAD, 4.5, self.fit(value, cell_w - PAD))
        self.set_xy(self.l_margin, top + cell_h * len(rows) + 4)

    def note(self, label: str, text: str) -> None:
        """A highlighted, labelled paragraph. It may run over a page break, so it has no frame."""
        if self.will_page_break(14):
            self.add_page()
        self.use_font(LABEL_PT, bold=True, color=MUTED)
        self.cell(self.epw, 4, label.upper(), new_x="LMARGIN", new_y="NEXT")
        self.use_font(BODY_PT)
        self.set_fill_color(*NOTE_FILL)
        self.multi_cell(self.epw, 4.5, text, align="L", fill=True, padding=(1.5, PAD),
                        new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def lines_table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
        """The goods. fpdf2 breaks the table between rows and repeats the heading row on
        every page; cells wrap on words, and a word wider than its column is cut between
        characters."""
        self.use_font(TABLE_PT)
        heading = FontFace(emphasis="BOLD", color=INK, fill_color=HEADING_FILL, size_pt=7.5)
        with self.table(
            width=self.epw, col_widths=tuple(c.width for c in columns),
            text_align=tuple(c.align for c in columns), v_align="TOP",
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS, cell_fill_color=ZEBRA_FILL,
            headings_style=heading, line_height=3.9, padding=(1.2, 1.5),
            repeat_headings=1,
        ) as table:
            table.row([c.heading for c in columns])
            for row in rows:
                table.row(row)
        self.ln(3)

    def totals(self, rows: Sequence[tuple[str, str]], width: float = 90) -> None:
        """Right-aligned label/value pairs under a rule, kept on one page."""
        row_h = 5.2
        if self.will_page_break(row_h * len(rows) + 4):
            self.add_page()
        x = self.w - self.r_margin - width
        self.line(x, self.get_y(), x + width, self.get_y())
        self.ln(1)
        for label, value in rows:
            self.set_x(x)
            self.use_font(8.5, color=MUTED)
            self.cell(width * 0.42, row_h, label)
            self.use_font(9.5, bold=True)
            self.cell(width * 0.58, row_h, self.fit(value, width * 0.58), align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(5)

    def signature_boxes(self, caption: str, boxes: Sequence[tuple[str, str]],
                        fields: Sequence[str] = ("Name", "Signature", "Date / time")) -> None:
        """Boxes to sign in, side by side: (title, small print) each, with a line per field."""
        gap, n = 4, len(boxes)
        w = (self.epw - gap * (n - 1)) / n
        box_h = 11 + 8 * len(fields)
        self.use_font(7.5)
        caption_h = self.multi_cell(self.epw, 3.6, caption, align="L", dry_run=True, output="HEIGHT") if caption else 0
        if self.will_page_break(caption_h + box_h + 2):
            self.add_page()
        if caption:
            self.use_font(7.5, color=MUTED)
            self.multi_cell(self.epw, 3.6, caption, align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
        top = self.get_y()
        for i, (title, small_print) in enumerate(boxes):
            x = self.l_margin + i * (w + gap)
            self.rect(x, top, w, box_h)
            self.set_xy(x + PAD - self.c_margin, top + 1.5)
            self.use_font(LABEL_PT + 0.5, bold=True, color=MUTED)
            self.cell(w - PAD, 4, title.upper())
            self.set_xy(x + PAD - self.c_margin, top + 5.5)
            self.use_font(6.5, color=MUTED)
            self.cell(w - PAD, 3.5, self.fit(small_print, w - PAD))
            for f, field in enumerate(fields):
                base = top + 16 + f * 8  # the line everyone writes on
                self.set_xy(x + PAD - self.c_margin, base - 3.8)
                self.use_font(7, color=MUTED)
                self.cell(18, 3.5, field)
                self.line(x + PAD + 17, base, x + w - PAD, base)
        self.set_xy(self.l_margin, top + box_h + 4)
