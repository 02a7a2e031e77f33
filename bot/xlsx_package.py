"""The fixed parts of an .xlsx package around its sheets: content types, relationships, styles."""

from __future__ import annotations

import re
from collections.abc import Sequence

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
RUPIAH_FORMAT = "#,##0"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
PACKAGE_RELATIONSHIPS = (
    f'{DECLARATION}<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1"'
    f' Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
# Cell styles by index: 0 plain, 1 bold header, 2 Rupiah (#,##0 is built-in format 3),
# 3 date and time, 4 date, 5 a number with two decimals (#,##0.00 is built-in format 4).
HEADER_STYLE, RUPIAH_STYLE, DATETIME_STYLE, DATE_STYLE, DECIMAL_STYLE = 1, 2, 3, 4, 5
STYLES = (
    f'{DECLARATION}<styleSheet xmlns="{MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATETIME_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Characters XML 1.0 cannot hold at all; typed text could carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PLAIN = re.compile('[^&<>"\x00-\x1f\ufffe\uffff]*')


def content_types(sheets: int) -> str:
    """The package's [Content_Types].xml for a workbook of `sheets` sheets."""
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{sheet_type}"/>'
        for number in range(1, sheets + 1)
    )
    return (
        f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels"'
        ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )


def workbook(titles: Sequence[str]) -> str:
    """The workbook part: the sheets' names, in order."""
    sheets = "".join(
        f'<sheet name="{xml(title, quote=True)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, title in enumerate(titles, start=1)
    )
    return (
        f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def workbook_relationships(sheets: int) -> str:
    """The workbook's links to its sheets and to the styles."""
    links = "".join(
        f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/worksheet"'
        f' Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, sheets + 1)
    )
    styles = (
        f'<Relationship Id="rId{sheets + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    )
    return f'{DECLARATION}<Relationships xmlns="{_PACKAGE}">{links}{styles}</Relationships>'


def xml(text: str, *, quote: bool = False) -> str:
    """Escape text for XML (an attribute with `quote`), dropping characters XML cannot hold."""
    if _PLAIN.fullmatch(text):  # most names and codes: nothing to escape
        return text
    escaped = _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;")
    escaped = escaped.replace(">", "&gt;")
    return escaped.replace('"', "&quot;") if quote else escaped
