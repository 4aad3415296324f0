"""Write a designed case's DOCX report: a title and subtitle, then Heading 1 sections, each after a page break, made
of paragraphs ("p"), Heading 2 subsections ("h2"), bullet lists ("bullets") and tables with a bold header row
("table"). The zip container is rewritten with fixed timestamps and a stable order, so the file is byte-for-byte
reproducible. Used by the make_report.py scripts of the DOCX cases."""

import datetime
import io
import os
import zipfile

from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Pt


def write_docx(out: str, org: str, title: str, subtitle: str, sections: list, when: datetime.datetime) -> None:
    doc = Document()
    doc.core_properties.author = org
    doc.core_properties.title = f"{org} - {title}"
    doc.core_properties.created = when
    doc.core_properties.modified = when
    doc.core_properties.last_modified_by = org
    doc.core_properties.revision = 1
    doc.styles["Normal"].font.size = Pt(10)
    for section in doc.sections:
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin = section.right_margin = Cm(2)

    doc.add_paragraph(org, style="Title")
    doc.add_paragraph(subtitle, style="Subtitle")
    for i, (heading, blocks) in enumerate(sections):
        if i > 0:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(heading, level=1)
        for block in blocks:
            kind = block[0]
            if kind == "p":
                doc.add_paragraph(block[1])
            elif kind == "h2":
                doc.add_heading(block[1], level=2)
            elif kind == "bullets":
                for item in block[1]:
                    doc.add_paragraph(item, style="List Bullet")
            elif kind == "table":
                headers, rows = block[1], block[2]
                table = doc.add_table(rows=1, cols=len(headers))
                table.style = "Table Grid"
                for cell, text in zip(table.rows[0].cells, headers):
                    cell.text = text
                    cell.paragraphs[0].runs[0].bold = True
                for row in rows:
                    for cell, text in zip(table.add_row().cells, row):
                        cell.text = text
            else:
                raise ValueError(kind)
    buffer = io.BytesIO()
    doc.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    print("written", out, os.path.getsize(out))
