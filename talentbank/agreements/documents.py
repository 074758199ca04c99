"""The papers of an agreed dispatch: 協定書, 任用・勤務条件通知書（案） and 送付状, as DOCX and PDF.

An *edition* (版) is one version of a dispatch's terms that every party has confirmed; the first is
第1版, each later one 第N版（変更）. Editions are never stored: each is rendered again from its terms
version and the DOCX template in force when its last confirmation was given (a replaced template
changes later editions only), so a download is the same document every time. The DOCX is rendered
with docxtpl; the PDF is laid out from the rendered DOCX (paragraphs and tables in order) with an
embedded Japanese TrueType font, so a replaced template shapes both.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import clock
from ..core.era import wareki, yen
from ..core.errors import N_
from ..dispatches.models import Dispatch
from ..extensions import db
from .documents_models import DOCUMENT_KINDS, DocumentTemplate
from .models import (
    BEARER_LABELS,
    COST_ITEM_LABELS,
    COST_ITEMS,
    LEGAL_FORM_LABELS,
    RATE_UNIT_LABELS,
    TRAVEL_UNIT_LABELS,
    DispatchTerms,
)
from .terms import is_confirmed

DEFAULT_TEMPLATES = Path(__file__).parent / "doc_templates"
FORMATS = ("docx", "pdf")
# The documents themselves are Japanese papers; these titles are marked so the screens can translate them.
KIND_TITLES = {
    "agreement": N_("職員の派遣に関する協定書"),
    "appointment": N_("任用・勤務条件通知書（案）"),
    "cover": N_("送付状"),
}
KIND_FILE_STEMS = {"agreement": "kyoteisho", "appointment": "ninyo-tsuchisho-an", "cover": "sofujo"}
# Japanese TrueType fonts reportlab can embed (OpenType/CFF fonts such as Noto CJK it cannot).
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
)
SPECIAL_GRANT_NOTE = ("本派遣は災害復旧に係るものであり、派遣先の市は、要した経費について特別交付税の"
                      "算定に係る資料に計上するものとする。")


class DocumentsUnavailable(Exception):
    """The documents cannot be made here (no Japanese TrueType font for the PDF)."""


@dataclass(frozen=True)
class Edition:
    """One confirmed version of the terms, as the documents number it (第N版)."""

    number: int
    terms: DispatchTerms
    confirmed_at: datetime

    @property
    def label(self) -> str:
        return f"第{self.number}版" if self.number == 1 else f"第{self.number}版（変更）"

    @property
    def confirmed_on(self) -> date:
        return self.confirmed_at.replace(tzinfo=UTC).astimezone(clock.TOKYO).date()

    @property
    def kinds(self) -> tuple[str, ...]:
        return kinds_for(self.terms.legal_form)


def kinds_for(legal_form: str) -> tuple[str, ...]:
    """An agreement between cities for a secondment or exchange; an appointment notice for a retiree."""
    if legal_form in ("secondment_252_17", "exchange"):
        return ("agreement", "cover")
    return ("appointment", "cover")


def editions(dispatch_id: int) -> list[Edition]:
    """The dispatch's confirmed terms versions, oldest first, numbered 第1版, 第2版（変更）, …"""
    versions = db.session.scalars(
        select(DispatchTerms).where(DispatchTerms.dispatch_id == dispatch_id)
        .options(selectinload(DispatchTerms.confirmations), selectinload(DispatchTerms.receiving_city),
                 selectinload(DispatchTerms.sending_city))
        .order_by(DispatchTerms.version)).all()
    confirmed = [t for t in versions if is_confirmed(t)]
    return [Edition(number, t, max(c.confirmed_at for c in t.confirmations))
            for number, t in enumerate(confirmed, start=1)]


def edition(dispatch_id: int, number: int) -> Edition | None:
    return next((e for e in editions(dispatch_id) if e.number == number), None)


# ----------------------------------------------------------------------------- what a document says


def mayor(city: Any) -> str:
    """「横須賀市長」: the party that signs for a city."""
    return f"{city.name_ja}長" if city is not None else ""


def _rate_text(unit_labels: dict[str, str], amount: int | None, unit: str | None, missing: str) -> str:
    if amount is None:
        return missing
    return f"{unit_labels.get(unit or '', '')} {yen(amount)}".strip()


def _bearer(terms: DispatchTerms, bearer: str) -> str:
    """The city that pays, by name (「逗子市（派遣先の市）」), or 負担なし."""
    city = {"receiving": terms.receiving_city, "sending": terms.sending_city}.get(bearer)
    return f"{city.name_ja}（{BEARER_LABELS[bearer]}）" if city is not None else BEARER_LABELS["none"]


def document_context(dispatch: Dispatch, ed: Edition, kind: str) -> dict[str, Any]:
    """Everything a template may print, as Japanese text (dates in the era, amounts with separators)."""
    terms = ed.terms
    person = dispatch.specialist
    profession = dispatch.request.profession.name_ja if dispatch.request is not None else ""
    earlier = [e for e in editions(dispatch.id) if e.number < ed.number]
    return {
        "title": KIND_TITLES[kind],
        "edition": ed.label,
        "edition_number": ed.number,
        "is_amendment": ed.number > 1,
        "terms_version": terms.version,
        "issued_on": wareki(ed.confirmed_on),
        "reason": terms.reason or "",
        "earlier_editions": [{"label": e.label, "issued_on": wareki(e.confirmed_on)} for e in earlier],
        "dispatch_id": dispatch.id,
        "legal_form": LEGAL_FORM_LABELS[terms.legal_form],
        "receiving_city": terms.receiving_city.name_ja,
        "receiving_mayor": mayor(terms.receiving_city),
        "sending_city": terms.sending_city.name_ja if terms.sending_city else "",
        "sending_mayor": mayor(terms.sending_city),
        "has_sending_city": terms.sending_city is not None,
        "person": (person.name_kanji or person.name_kana or "") if person is not None else "",
        "profession": profession,
        "start_date": wareki(terms.start_date),
        "end_date": wareki(terms.end_date),
        "days_per_week": terms.days_per_week,
        "costs": [{"item": COST_ITEM_LABELS[item], "bearer": _bearer(terms, terms.bearer(item))}
                  for item in COST_ITEMS],
        "rate": _rate_text(RATE_UNIT_LABELS, terms.rate_amount, terms.rate_unit, "定めなし"),
        "travel": _rate_text(TRAVEL_UNIT_LABELS, terms.travel_amount, terms.travel_unit, "実費"),
        "special_grant": bool(terms.special_grant),
        "special_grant_note": SPECIAL_GRANT_NOTE if terms.special_grant else "",
        "note": terms.note or "",
    }


def sample_context(kind: str) -> dict[str, Any]:
    """A full context with plausible values: an uploaded template must render with it to be accepted."""
    return {
        "title": KIND_TITLES[kind], "edition": "第2版（変更）", "edition_number": 2, "is_amendment": True,
        "terms_version": 2, "issued_on": wareki(date(2026, 4, 1)), "reason": "期間の延長",
        "earlier_editions": [{"label": "第1版", "issued_on": wareki(date(2026, 3, 1))}],
        "dispatch_id": 1, "legal_form": LEGAL_FORM_LABELS["secondment_252_17"],
        "receiving_city": "逗子市", "receiving_mayor": "逗子市長", "sending_city": "横須賀市",
        "sending_mayor": "横須賀市長", "has_sending_city": True, "person": "見本 太郎", "profession": "土木職",
        "start_date": wareki(date(2026, 4, 1)), "end_date": wareki(date(2027, 3, 31)), "days_per_week": 3,
        "costs": [{"item": COST_ITEM_LABELS[i], "bearer": BEARER_LABELS["receiving"]} for i in COST_ITEMS],
        "rate": f"日額 {yen(15000)}", "travel": f"1日あたり {yen(1200)}", "special_grant": True,
        "special_grant_note": SPECIAL_GRANT_NOTE, "note": "",
    }


# ----------------------------------------------------------------------------- templates


def templates_folder() -> Path:
    """Where uploaded templates live: outside the web root, ``instance/document-templates`` by default."""
    configured = current_app.config.get("DOCUMENT_TEMPLATES_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "document-templates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def template_in_force(kind: str, at: datetime | None) -> DocumentTemplate | None:
    """The newest uploaded template of ``kind`` at ``at`` (None: the shipped default applies)."""
    query = select(DocumentTemplate).where(DocumentTemplate.kind == kind)
    if at is not None:
        query = query.where(DocumentTemplate.created_at <= at)
    return db.session.scalar(query.order_by(DocumentTemplate.version.desc()).limit(1))


def template_bytes(kind: str, at: datetime | None) -> bytes:
    """The DOCX template used for a document confirmed at ``at``."""
    uploaded = template_in_force(kind, at)
    if uploaded is not None:
        path = templates_folder() / uploaded.file_key
        if path.is_file():
            return path.read_bytes()
        current_app.logger.error("document template %s v%s missing at %s", kind, uploaded.version, path)
    return (DEFAULT_TEMPLATES / f"{kind}.docx").read_bytes()


# ----------------------------------------------------------------------------- rendering


def render_docx(template: bytes, context: dict[str, Any]) -> bytes:
    """The template filled in (docxtpl: Jinja tags in the Word text; autoescaped)."""
    doc = DocxTemplate(io.BytesIO(template))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_blocks(data: bytes) -> list[tuple[str, Any]]:
    """The body of a DOCX in reading order: ("p", style, text) paragraphs and ("t", rows) tables."""
    document = open_docx(io.BytesIO(data))
    blocks: list[tuple[str, Any]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            if paragraph.alignment is not None and int(paragraph.alignment) == 2:  # WD_ALIGN_PARAGRAPH.RIGHT
                style = "Date"
            blocks.append(("p", (style, paragraph.text)))
        elif tag == "tbl":
            table = Table(child, document)
            blocks.append(("t", [[cell.text for cell in row.cells] for row in table.rows]))
    return blocks


def font_path() -> str:
    configured = current_app.config.get("DOCUMENT_FONT_PATH")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise DocumentsUnavailable("no Japanese TrueType font (install fonts-ipaexfont-gothic)")


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "TalentbankJapanese"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, font_path()))
    return name


def render_pdf(docx_data: bytes, title: str) -> bytes:
    """The rendered DOCX laid out as an A4 PDF with the Japanese font embedded (text extractable)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph as PdfParagraph
    from reportlab.platypus import SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    font = _register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    styles = {
        "Title": ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1, spaceAfter=8),
        "Heading 1": ParagraphStyle("h1", parent=body, fontSize=12.5, leading=20, spaceBefore=6),
        "Heading 2": ParagraphStyle("h2", parent=body, fontSize=11.5, leading=18, spaceBefore=4),
    }
    right = ParagraphStyle("right", parent=body, alignment=2)
    cell = ParagraphStyle("cell", parent=body, fontSize=10, leading=14)
    story: list[Any] = []
    for kind, value in docx_blocks(docx_data):
        if kind == "p":
            style_name, text = value
            if not text.strip():
                story.append(Spacer(1, 4))
                continue
            style = styles.get(style_name, right if style_name == "Date" else body)
            story.append(PdfParagraph(escape(text).replace("\n", "<br/>"), style))
        else:
            rows = [[PdfParagraph(escape(text), cell) for text in row] for row in value if row]
            if rows:
                table = PdfTable(rows, hAlign="LEFT")
                table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
                story.append(table)
                story.append(Spacer(1, 6))
    out = io.BytesIO()
    # invariant=True: no creation time or random id in the file, so the same edition gives the same bytes.
    pdf = SimpleDocTemplate(out, pagesize=A4, title=title, author="", creator="talentbank",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
                            invariant=True)
    pdf.build(story)
    return out.getvalue()


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    mimetype: str
    data: bytes


MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}


def render(dispatch: Dispatch, ed: Edition, kind: str, fmt: str) -> RenderedDocument:
    """One document of one edition in one format."""
    context = document_context(dispatch, ed, kind)
    try:
        docx_data = render_docx(template_bytes(kind, ed.confirmed_at), context)
    except Exception:  # an uploaded template that rendered the sample but not this dispatch's values
        current_app.logger.exception("document template for %s failed on dispatch %s; the standard one is used",
                                     kind, dispatch.id)
        docx_data = render_docx((DEFAULT_TEMPLATES / f"{kind}.docx").read_bytes(), context)
    data = docx_data if fmt == "docx" else render_pdf(docx_data, f"{context['title']} {ed.label}")
    filename = f"dispatch-{dispatch.id}-{KIND_FILE_STEMS[kind]}-v{ed.number}.{fmt}"
    return RenderedDocument(filename, MIMETYPES[fmt], data)


def is_known_kind(kind: str) -> bool:
    return kind in DOCUMENT_KINDS
