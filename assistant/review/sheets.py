"""A spreadsheet of rows, as the secretariat opens it: text cells stay text (never a formula), no character XML
cannot hold, a sheet title Excel accepts."""

from __future__ import annotations

from pathlib import Path


def sheet_title(text: str) -> str:
    """An XLSX sheet title Excel and openpyxl accept: at most 31 characters, none of []:*?/\\ or control characters,
    no apostrophe at either end."""
    title = "".join("-" if c in "[]:*?/\\" or not c.isprintable() else c for c in text)[:31].strip("'").strip()
    return title or "Pre-screen"


def _cell(value: object) -> object:
    """A value the sheet can hold: no character XML cannot (report text quoted in a warning may have one)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def write_xlsx(rows: list[dict[str, object]], columns: list[str], out: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row[c]) for c in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, whatever it starts with: never a formula cell
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"file": 36, "title": 40, "missing points": 50, "injection warnings": 50, "other warnings": 40, "error": 50}
    for i, column in enumerate(columns, 1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = widths.get(column, 12)
        if column in widths:
            for cell in sheet[sheet.cell(1, i).column_letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(out)
