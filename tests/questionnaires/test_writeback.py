"""Write-back into customers' own files: only the written cells change, everything else stays byte-identical.

The real questionnaires are licensed test fixtures that live outside the repository; tests that need them
skip with the reason when they are absent. The small hand-built workbooks cover shapes the real files lack.
"""

import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from questionnaires.writeback import CellWrite, WriteBackError, csv_write_cells, xlsx_write_cells

SHARED_DIR = Path(os.environ.get("TRUSTPACK_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
QUESTIONNAIRES = SHARED_DIR / "questionnaires"
CAIQ = "CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx"
HECVAT_306 = "HECVAT-Full-v3.06_blank.xlsx"
HECVAT_414 = "HECVAT-v4.1.4_blank.xlsx"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def real_file(name: str) -> bytes:
    path = QUESTIONNAIRES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the real questionnaires are licensed fixtures kept outside the repository")
    return path.read_bytes()


def sheet_part(data: bytes, sheet: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = re.findall(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', archive.read("xl/workbook.xml"))
        rid = {name.decode().replace("&amp;", "&"): rid for name, rid in names}[sheet]
        rels = archive.read("xl/_rels/workbook.xml.rels")
        target = re.search(rb'Id="%s"[^>]*?Target="([^"]*)"|Target="([^"]*)"[^>]*?Id="%s"' % (rid, rid), rels)
        return "xl/" + (target[1] or target[2]).decode()


def without_cells(part: bytes, refs: list[str]) -> bytes:
    for ref in refs:
        part, removed = re.subn(rb'<c r="%s"(?:\s[^>]*?)?(?:/>|>.*?</c>)' % ref.encode(), b"", part, flags=re.S)
        assert removed <= 1
    return part


def assert_only_cells_changed(before: bytes, after: bytes, part: str, refs: list[str]) -> dict:
    """Every member but `part` identical; `part` identical once the written cells are removed."""
    old, new = zipfile.ZipFile(io.BytesIO(before)), zipfile.ZipFile(io.BytesIO(after))
    assert [info.filename for info in new.infolist()] == [info.filename for info in old.infolist()]
    for old_info, new_info in zip(old.infolist(), new.infolist(), strict=True):
        metadata = ("date_time", "compress_type", "external_attr", "create_system")
        assert [getattr(new_info, key) for key in metadata] == [getattr(old_info, key) for key in metadata]
        if old_info.filename != part:
            assert new.read(new_info) == old.read(old_info), old_info.filename
    old_part, new_part = old.read(part), new.read(part)
    old_rest, new_rest = without_cells(old_part, refs), without_cells(new_part, refs)
    assert new_rest == old_rest
    return {
        "members": len(old.infolist()),
        "part_bytes": len(old_part),
        "unchanged_bytes": len(old_rest),
        "written_bytes": len(new_part) - len(new_rest),
    }


def read_values(data: bytes, sheet: str, refs, data_only: bool = False) -> dict:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        # Read-only mode trusts <dimension>, which write-back leaves alone, so the bounds are explicit.
        bounds = [openpyxl.utils.cell.coordinate_to_tuple(ref) for ref in refs]
        rows = workbook[sheet].iter_rows(
            min_row=min(row for row, _ in bounds),
            max_row=max(row for row, _ in bounds),
            max_col=max(column for _, column in bounds),
        )
        return {cell.coordinate: cell.value for row in rows for cell in row if getattr(cell, "coordinate", "") in refs}
    finally:
        workbook.close()


def tiny_workbook(sheet_xml: dict[str, str]) -> bytes:
    """A minimal workbook whose sheets' XML is given verbatim, for shapes the real files do not have."""
    sheets = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheet_xml, 1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" '
        f'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        for i in range(1, len(sheet_xml) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheet_xml) + 1)
    )
    members = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{sheets}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rels}</Relationships>",
    }
    for i, xml in enumerate(sheet_xml.values(), 1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


GAPPY_SHEET = (
    f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:D5"/><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>id-1</t></is></c><c r="C1" s="3"/></row>'
    '<row r="3" spans="1:4"><c r="A3" t="inlineStr"><is><t>id-3</t></is></c>'
    '<c r="D3"><f t="array" ref="D3:D4">A3:A4</f><v>id-3</v></c></row>'
    '<row r="5" ht="30" customHeight="1"/>'
    '</sheetData><mergeCells count="1"><mergeCell ref="E1:F2"/></mergeCells></worksheet>'
)
EMPTY_SHEET = f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData/></x:worksheet>'


def sheet_xml(data: bytes, part: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(part).decode()


def test_caiq_answers_in_c_d_e_change_only_those_cells():
    data = real_file(CAIQ)
    sheet = "CAIQv4.0.3"
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = {row[0].value: row[0].row for row in workbook[sheet].iter_rows(min_col=1, max_col=1) if row[0].value}
    workbook.close()
    answers = {
        f"C{rows['A&A-01.1']}": "Yes",
        f"D{rows['A&A-01.1']}": "CSP-owned",
        f"E{rows['A&A-01.1']}": "Audit policy approved by the board & reviewed yearly.",
        f"C{rows['A&A-02.1']}": "No",
        f"E{rows['STA-14.1']}": 'Supplier <reviews> are "annual".',
    }

    result = xlsx_write_cells(data, [CellWrite(sheet, ref, value) for ref, value in answers.items()])

    part = sheet_part(data, sheet)
    measured = assert_only_cells_changed(data, result, part, list(answers))
    assert measured == {"members": 19, "part_bytes": 122_446, "unchanged_bytes": 122_354, "written_bytes": 466}
    written = sheet_xml(result, part)
    assert written.count('t="inlineStr"><is><t xml:space="preserve">') == len(answers)
    assert f'<c r="C{rows["A&A-01.1"]}" s="8" t="inlineStr">' in written  # the style index survives
    assert read_values(result, sheet, set(answers)) == answers
    workbook = openpyxl.load_workbook(io.BytesIO(result))
    assert workbook[sheet].protection.sheet
    assert len(workbook[sheet].data_validations.dataValidation) == 2
    assert workbook[sheet].merged_cells.ranges


def test_hecvat_306_vendor_answers_keep_x14_extensions_and_cached_values():
    data = real_file(HECVAT_306)
    sheet = "HECVAT - Full | Vendor Response"
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    answer_column, refs = None, {}
    for row in workbook[sheet].iter_rows(min_row=1, max_row=120, max_col=3):
        if row[2].value == "Vendor Answers":
            answer_column = row[2].column_letter
        elif answer_column and isinstance(row[0].value, str) and re.fullmatch(r"[A-Z]{4}-\d{2}", row[0].value):
            refs[row[0].value] = f"{answer_column}{row[0].row}"
    workbook.close()
    chosen = {refs[key]: value for key, value in {"QUAL-01": "Yes", "COMP-01": "No", "DOCU-03": "N/A"}.items()}

    result = xlsx_write_cells(data, [CellWrite(sheet, ref, value) for ref, value in chosen.items()])

    part = sheet_part(data, sheet)
    measured = assert_only_cells_changed(data, result, part, list(chosen))
    assert measured == {"members": 80, "part_bytes": 707_877, "unchanged_bytes": 707_803, "written_bytes": 226}
    old_part, new_part = sheet_xml(data, part), sheet_xml(result, part)
    assert "x14:dataValidations" in old_part and "x14:conditionalFormatting" in old_part
    assert new_part[new_part.index("<extLst>") :] == old_part[old_part.index("<extLst>") :]
    assert re.findall("<conditionalFormatting.*?</conditionalFormatting>", new_part, re.S) == re.findall(
        "<conditionalFormatting.*?</conditionalFormatting>", old_part, re.S
    )
    assert read_values(result, sheet, set(chosen)) == chosen
    question_text = read_values(result, sheet, {"B27"}, data_only=True)["B27"]
    assert question_text == read_values(data, sheet, {"B27"}, data_only=True)["B27"]
    assert question_text and not question_text.startswith("=")


def test_hecvat_414_answer_in_an_x14_dropdown_keeps_the_dropdowns():
    data = real_file(HECVAT_414)
    sheet = "Organization"
    part = sheet_part(data, sheet)
    old_part = sheet_xml(data, part)
    sqref = re.search(r"<xm:sqref>([^<]*)</xm:sqref>", old_part)[1]
    dropdown_cells = [area.split(":")[0] for area in sqref.split()]
    formulas = read_values(data, sheet, set(dropdown_cells))
    target = next(ref for ref in dropdown_cells if not str(formulas.get(ref) or "").startswith("="))

    result = xlsx_write_cells(data, [CellWrite(sheet, target, "Yes")])

    measured = assert_only_cells_changed(data, result, part, [target])
    assert measured == {"members": 69, "part_bytes": 51_677, "unchanged_bytes": 51_657, "written_bytes": 77}
    new_part = sheet_xml(result, part)
    assert new_part[new_part.index("<extLst>") :] == old_part[old_part.index("<extLst>") :]
    assert read_values(result, sheet, {target}) == {target: "Yes"}


def test_writing_over_a_formula_cell_is_refused():
    data = real_file(HECVAT_414)
    # C13 on Organization mirrors another cell by formula; the caller must write the source cell.
    with pytest.raises(WriteBackError, match="holds a formula"):
        xlsx_write_cells(data, [CellWrite("Organization", "C13", "Acme")])


def test_missing_cells_and_rows_are_inserted_in_order():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    writes = {"B1": "b1", "D1": "d1", "A2": "a2", "B3": "b3", "C4": "c4", "A5": "a5", "Z7": "z7"}

    result = xlsx_write_cells(data, [CellWrite("Answers", ref, value) for ref, value in writes.items()])

    xml = sheet_xml(result)
    assert re.findall(r'<(?:row|c) r="([A-Z]*\d+)"', xml) == [
        "1", "A1", "B1", "C1", "D1", "2", "A2", "3", "A3", "B3", "D3", "4", "C4", "5", "A5", "7", "Z7",
    ]  # fmt: skip
    assert '<row r="5" ht="30" customHeight="1"><c r="A5"' in xml  # the empty row kept its attributes
    assert '<row r="3" spans="1:4">' in xml and '<dimension ref="A1:D5"/>' in xml
    assert '<c r="C1" s="3"/>' in xml
    assert read_values(result, "Answers", set(writes)) == writes


def test_an_empty_prefixed_sheet_gets_its_first_row():
    data = tiny_workbook({"Empty": EMPTY_SHEET})

    result = xlsx_write_cells(data, [CellWrite("Empty", "B2", "first")])

    assert sheet_xml(result) == (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr"><x:is>'
        '<x:t xml:space="preserve">first</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>'
    )


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("D3", "holds a formula"),
        ("D4", "inside an array formula"),
        ("F2", "inside a merged range"),
        ("XFE1", "outside the sheet"),
        ("C", "not a cell"),
    ],
)
def test_cells_that_cannot_hold_an_answer_are_refused(ref, message):
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    with pytest.raises(WriteBackError, match=message):
        xlsx_write_cells(data, [CellWrite("Answers", ref, "x")])


def test_unknown_sheets_repeated_cells_and_non_workbooks_are_refused():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    with pytest.raises(WriteBackError, match="no worksheet named 'Nope'"):
        xlsx_write_cells(data, [CellWrite("Nope", "A1", "x")])
    with pytest.raises(WriteBackError, match="written twice"):
        xlsx_write_cells(data, [CellWrite("Answers", "B1", "x"), CellWrite("Answers", "b1", "y")])
    with pytest.raises(WriteBackError, match=r"not an \.xlsx"):
        xlsx_write_cells(b"id,answer\n", [CellWrite("Answers", "A1", "x")])


def test_the_top_left_cell_of_a_merged_range_can_be_written():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    result = xlsx_write_cells(data, [CellWrite("Answers", "E1", "merged answer")])
    assert read_values(result, "Answers", {"E1"}) == {"E1": "merged answer"}


def test_xml_special_characters_and_unicode_round_trip():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    value = "  <b>Tom & \"Jerry\"</b> 'quoted' — Größe 数据 🔐\r\nline two\tend  "

    result = xlsx_write_cells(data, [CellWrite("Answers", "C1", value + "\x00\x07\x1b")])

    assert read_values(result, "Answers", {"C1"}) == {"C1": value}
    assert '&lt;b&gt;Tom &amp; "Jerry"&lt;/b&gt;' in sheet_xml(result)


def test_excel_escape_sequences_in_text_stay_literal():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    result = xlsx_write_cells(data, [CellWrite("Answers", "C1", "ticket_x0041_ref")])
    # Excel would show _x0041_ as "A"; escaping its underscore keeps the text as typed.
    assert ">ticket_x005F_x0041_ref<" in sheet_xml(result)


def test_formula_like_value_is_stored_as_inline_text():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    values = {"C1": '=HYPERLINK("http://evil.example")', "B1": "+1", "A2": "-2", "B2": "@SUM(A1)"}

    result = xlsx_write_cells(data, [CellWrite("Answers", ref, value) for ref, value in values.items()])

    xml = sheet_xml(result)
    for ref in values:
        assert re.search(rf'<c r="{ref}"[^>]* t="inlineStr"><is><t xml:space="preserve">', xml)
    assert xml.count("<f") == 1  # only the sheet's own formula in D3
    assert read_values(result, "Answers", set(values)) == values


def test_text_over_excels_cell_limit_is_refused():
    data = tiny_workbook({"Answers": GAPPY_SHEET})
    assert xlsx_write_cells(data, [CellWrite("Answers", "C1", "x" * 32_767)])
    with pytest.raises(WriteBackError, match="longer than 32,767"):
        xlsx_write_cells(data, [CellWrite("Answers", "C1", "x" * 32_768)])
    with pytest.raises(WriteBackError, match="longer than 32,767"):
        xlsx_write_cells(data, [CellWrite("Answers", "C1", "🔐" * 16_384)])  # two UTF-16 units each


def test_csv_neutralises_written_values_and_keeps_every_other_cell():
    data = b'id,question,answer\r\nQ1,"Do you, encrypt?",\r\nQ2,=not ours,\r\n'

    result = csv_write_cells(data, [(1, 2, "=cmd|' /C calc'!A0"), (2, 2, "Yes"), (3, 3, "@SUM(1)")])

    assert result == (
        b"id,question,answer\r\nQ1,\"Do you, encrypt?\",'=cmd|' /C calc'!A0\r\nQ2,=not ours,Yes\r\n,,,'@SUM(1)\r\n"
    )


def test_csv_keeps_bom_delimiter_line_endings_and_missing_final_newline():
    data = "\ufeffid;answer\nQ1;\nQ2;Nein".encode()

    result = csv_write_cells(data, [(1, 1, "Ja, verschlüsselt"), (2, 1, "-1")])

    assert result == "\ufeffid;answer\nQ1;Ja, verschlüsselt\nQ2;'-1".encode()


def test_csv_that_is_not_utf8_is_refused():
    with pytest.raises(WriteBackError, match="not UTF-8"):
        csv_write_cells("id;réponse\n".encode("latin-1"), [(0, 0, "x")])
