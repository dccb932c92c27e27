"""Printable shop-floor posters: a QR code of a survey's signed public link, the store's name and the call to action
in Russian and English, as SVG (vector, for the print shop) and A4 PDF (for the store's printer).

The QR code is drawn from segno's module matrix, so the SVG stays a single path and the PDF a crisp 1-bit image;
the texts are typeset with a Unicode TrueType font (Cyrillic is not in PDF's core fonts).
"""

import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext, override

A4_WIDTH_MM = 210
A4_HEIGHT_MM = 297
QR_SIZE_MM = 120
QR_TOP_MM = 95


@dataclass(frozen=True)
class Poster:
    """What a poster says: the absolute link in the code and the texts around it."""

    link: str
    store_name: str
    title_ru: str
    title_en: str

    def call_to_action(self, language: str) -> str:
        with override(language):
            return gettext("Tell us about your visit: scan the code with your phone camera.")

    def heading(self, language: str) -> str:
        with override(language):
            return gettext("How did we do?")


def poster_qr(poster: Poster) -> segno.QRCode:
    # Level M survives a scuffed, partly covered print on a shop wall; H would make the long signed link too dense.
    return segno.make(poster.link, error="m", micro=False, boost_error=False)


def qr_path(qr: segno.QRCode) -> str:
    """The dark modules as one SVG path in module units (one `h1v1h-1z` square each, neighbours merged per row)."""
    parts = []
    for y, row in enumerate(qr.matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts)


def poster_svg(poster: Poster) -> str:
    """An A4 SVG poster; every typed text is escaped."""
    qr = poster_qr(poster)
    modules = qr.symbol_size(border=0)[0]
    scale = QR_SIZE_MM / modules
    left = (A4_WIDTH_MM - QR_SIZE_MM) / 2
    lines = [
        (30, 14, "bold", poster.heading("ru")),
        (40, 9, "normal", poster.heading("en")),
        (58, 11, "bold", poster.store_name),
        (72, 7, "normal", poster.title_ru),
        (81, 7, "normal", poster.title_en),
        (QR_TOP_MM + QR_SIZE_MM + 18, 7, "normal", poster.call_to_action("ru")),
        (QR_TOP_MM + QR_SIZE_MM + 28, 7, "normal", poster.call_to_action("en")),
    ]
    texts = "".join(
        f'<text x="105" y="{y}" font-size="{size}" font-weight="{weight}" text-anchor="middle">{escape(text)}</text>'
        for y, size, weight, text in lines
        if text
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{A4_WIDTH_MM}mm" height="{A4_HEIGHT_MM}mm" '
        f'viewBox="0 0 {A4_WIDTH_MM} {A4_HEIGHT_MM}" role="img" aria-label="{escape(poster.store_name)}">'
        f'<rect width="{A4_WIDTH_MM}" height="{A4_HEIGHT_MM}" fill="#fff"/>'
        f'<g font-family="DejaVu Sans, Arial, sans-serif" fill="#111">{texts}</g>'
        f'<path class="qr" transform="translate({left:.3f} {QR_TOP_MM}) scale({scale:.5f})" d="{qr_path(qr)}" '
        f'fill="#000"/>'
        f'<text x="105" y="{A4_HEIGHT_MM - 12}" font-size="3" text-anchor="middle" '
        f'font-family="DejaVu Sans, sans-serif" '
        f'fill="#555">{escape(poster.link)}</text>'
        "</svg>"
    )


def poster_pdf(poster: Poster) -> bytes:
    """An A4 PDF poster with the font from `POSTER_FONT` (Debian's fonts-dejavu-core by default) embedded."""
    from fpdf import FPDF  # imported here: only the poster download needs it

    qr = poster_qr(poster)
    png = io.BytesIO()
    # 1-bit PNG at 10 px a module: sharp at any print size, a few kilobytes.
    qr.save(png, kind="png", scale=10, border=4)
    png.seek(0)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(poster.store_name)
    pdf.set_creator("cxprogram")
    pdf.add_font("Poster", "", settings.POSTER_FONT)
    pdf.add_font("Poster", "B", settings.POSTER_FONT_BOLD)
    pdf.add_page()
    pdf.set_auto_page_break(False)

    def line(y: float, size: float, style: str, text: str) -> None:
        if not text:
            return
        pdf.set_font("Poster", style, size * 2.83)  # poster sizes are in mm; fpdf sizes in points
        pdf.set_xy(10, y - size)
        pdf.multi_cell(A4_WIDTH_MM - 20, size * 1.2, text, align="C")

    line(30, 14, "B", poster.heading("ru"))
    line(40, 9, "", poster.heading("en"))
    line(58, 11, "B", poster.store_name)
    line(72, 7, "", poster.title_ru)
    line(81, 7, "", poster.title_en)
    border_mm = QR_SIZE_MM * 4 / qr.symbol_size(border=0)[0]
    pdf.image(
        png,
        x=(A4_WIDTH_MM - QR_SIZE_MM) / 2 - border_mm,
        y=QR_TOP_MM - border_mm,
        w=QR_SIZE_MM + 2 * border_mm,
    )
    line(QR_TOP_MM + QR_SIZE_MM + 18, 7, "", poster.call_to_action("ru"))
    line(QR_TOP_MM + QR_SIZE_MM + 28, 7, "", poster.call_to_action("en"))
    pdf.set_font("Poster", "", 8)
    pdf.set_xy(10, A4_HEIGHT_MM - 16)
    pdf.multi_cell(A4_WIDTH_MM - 20, 4, poster.link, align="C")
    return bytes(pdf.output())
