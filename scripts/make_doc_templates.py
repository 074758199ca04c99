"""Build the default DOCX templates of the agreements' documents (talentbank/agreements/doc_templates/).

Run ``.venv/bin/python scripts/make_doc_templates.py`` after changing a wording here; the templates
are docxtpl templates (Jinja tags in the Word text), and the coordinating city may replace any of
them at /agreements/templates with a copy edited in Word. The variables a template may use are the
keys of ``talentbank.agreements.documents.document_context``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "talentbank" / "agreements" / "doc_templates"
FONT = "IPAexGothic"


def _new(title: str) -> Document:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    doc.core_properties.author = "talentbank"
    doc.core_properties.title = title
    return doc


def _date_line(doc: Document, text: str) -> None:
    doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _title(doc: Document) -> None:
    doc.add_paragraph("{{ title }}", style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _date_line(doc, "{{ edition }}　{{ issued_on }}")


def _costs_table(doc: Document) -> None:
    table = doc.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text, table.cell(0, 1).text = "経費の区分", "負担する者"
    table.cell(1, 0).text = "{%tr for c in costs %}"
    table.cell(2, 0).text, table.cell(2, 1).text = "{{ c.item }}", "{{ c.bearer }}"
    table.cell(3, 0).text = "{%tr endfor %}"


def _conditions(doc: Document) -> None:
    doc.add_paragraph("{{ legal_form }}", style="Heading 2")
    doc.add_paragraph("職員等の氏名　{{ person }}{% if profession %}（{{ profession }}）{% endif %}")
    doc.add_paragraph("期間　{{ start_date }}から{{ end_date }}まで")
    doc.add_paragraph("勤務日数　週{{ days_per_week }}日")
    doc.add_paragraph("報酬等　{{ rate }}")
    doc.add_paragraph("旅費　{{ travel }}")
    _costs_table(doc)
    doc.add_paragraph("{% if special_grant %}{{ special_grant_note }}{% endif %}")
    doc.add_paragraph("{% if note %}備考　{{ note }}{% endif %}")


def _history(doc: Document) -> None:
    doc.add_paragraph("{% if is_amendment %}変更の理由　{{ reason }}{% endif %}")
    doc.add_paragraph("{% for e in earlier_editions %}{{ e.label }}（{{ e.issued_on }}）は本版により変更する。"
                      "{% endfor %}")


def agreement() -> Document:
    doc = _new("協定書")
    _title(doc)
    doc.add_paragraph("{{ receiving_mayor }}（以下「甲」という。）と{{ sending_mayor }}（以下「乙」という。）とは、"
                      "地方自治法第252条の17の規定に基づく職員の派遣（{{ legal_form }}）について、"
                      "次のとおり協定する。")
    doc.add_paragraph("（派遣する職員及び期間）", style="Heading 1")
    _conditions(doc)
    doc.add_paragraph("（経費の負担）", style="Heading 1")
    doc.add_paragraph("前条の経費は、表に定めるところにより甲又は乙が負担する。表に定めのない事項は、甲乙協議して定める。")
    _history(doc)
    doc.add_paragraph("この協定の成立を証するため、本書2通を作成し、甲乙記名押印の上、各自1通を保有する。")
    _date_line(doc, "{{ issued_on }}")
    doc.add_paragraph("甲　{{ receiving_city }}　{{ receiving_mayor }}")
    doc.add_paragraph("乙　{{ sending_city }}　{{ sending_mayor }}")
    return doc


def appointment() -> Document:
    doc = _new("任用・勤務条件通知書（案）")
    _title(doc)
    doc.add_paragraph("{{ person }}　様")
    doc.add_paragraph("{{ receiving_mayor }}は、あなたを次の条件で任用する予定です（{{ legal_form }}）。")
    doc.add_paragraph("（勤務条件）", style="Heading 1")
    _conditions(doc)
    _history(doc)
    doc.add_paragraph("本書は案であり、任用は{{ receiving_mayor }}の発令により行います。")
    _date_line(doc, "{{ receiving_city }}　{{ receiving_mayor }}")
    return doc


def cover() -> Document:
    doc = _new("送付状")
    _title(doc)
    doc.add_paragraph("{{ person }}　様")
    _date_line(doc, "{{ receiving_city }}　{{ receiving_mayor }}")
    doc.add_paragraph("このたびの{{ receiving_city }}での勤務（{{ start_date }}から{{ end_date }}まで、週{{ days_per_week }}日）"
                      "について、関係書類（{{ edition }}）をお送りします。内容をご確認ください。")
    doc.add_paragraph("{% if has_sending_city %}派遣元　{{ sending_city }}（{{ sending_mayor }}）{% endif %}")
    doc.add_paragraph("報酬等　{{ rate }}　旅費　{{ travel }}")
    doc.add_paragraph("{% if is_amendment %}本書は変更後の内容をお知らせするものです。変更の理由　{{ reason }}{% endif %}")
    doc.add_paragraph("ご不明な点は、{{ receiving_city }}の人事担当までお問い合わせください。")
    return doc


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in (("agreement", agreement), ("appointment", appointment), ("cover", cover)):
        build().save(OUT / f"{name}.docx")
        print(OUT / f"{name}.docx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
