"""Questionnaire importer: the real files in ../shared/questionnaires, synthetic layouts and hostile files.

The real files are test fixtures only (their licences forbid shipping them); tests that need them are
skipped, with the reason, when the shared folder is absent. Set TRUSTPACK_SHARED_DIR to point elsewhere.
"""

import csv
import functools
import io
import os
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from fileformats import FileRejected
from questionnaires.formats import (
    ColumnMapping,
    detect_mapping,
    layout_signature,
    parse_questionnaire,
)
from questionnaires.formats.xlsx import XlsxBook

SHARED = Path(os.environ.get("TRUSTPACK_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
QUESTIONNAIRES = SHARED / "questionnaires"
DEV_LABELS = SHARED / "bench" / "dev_labels.csv"
requires_shared = pytest.mark.skipif(
    not QUESTIONNAIRES.is_dir() or not DEV_LABELS.is_file(),
    reason=f"real questionnaire fixtures not found at {QUESTIONNAIRES} (set TRUSTPACK_SHARED_DIR to the shared folder)",
)

CAIQ_BLANK = "CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx"
CAIQ_FILLED = "Instructure_CAIQ-v4.0.3_filled.xlsx"
HECVAT_306 = "HECVAT-Full-v3.06_blank.xlsx"
HECVAT_304_FULL = "Instructure_Canvas-LMS_HECVAT-Full-v3.04_filled.xlsx"
HECVAT_304_LITE = "Instructure_Canvas-Catalog_HECVAT-Lite-v3.04_filled.xlsx"
HECVAT_414 = "HECVAT-v4.1.4_blank.xlsx"
ID_PATTERN = re.compile(r"^[A-Z]{4}-\d{2}$")


@functools.cache
def real(name: str):
    """Each real file is parsed once per test run."""
    return parse_questionnaire(name, (QUESTIONNAIRES / name).read_bytes())


@functools.cache
def labelled_refs(source: str) -> list[str]:
    with DEV_LABELS.open(newline="", encoding="utf-8") as handle:
        by_source = defaultdict(list)
        for row in csv.DictReader(handle):
            by_source[row["source"]].append(row["question_id"])
    return by_source[source]


# Real files -------------------------------------------------------------------------------------------------


@requires_shared
@pytest.mark.parametrize(
    ("name", "fmt", "label", "count", "source"),
    [
        (CAIQ_BLANK, "caiq-v4", "CAIQ v4.0.3", 261, "caiq-v4.0.3"),
        (CAIQ_FILLED, "caiq-v4", "CAIQ v4.0.3", 261, "caiq-v4.0.3"),
        (HECVAT_306, "hecvat-3", "HECVAT Full 3.06", 255, "hecvat-3.06"),
        (HECVAT_304_FULL, "hecvat-3", "HECVAT Full 3.04", 255, None),
        (HECVAT_304_LITE, "hecvat-3", "HECVAT Lite 3.04", 94, None),
        (HECVAT_414, "hecvat-4", "HECVAT 4.1.4", 331, None),
        ("vsaq_infrastructure.json", "vsaq", "VSAQ (infrastructure)", 95, "vsaq-infrastructure"),
        ("vsaq_physical_and_datacenter.json", "vsaq", "VSAQ (physical and datacenter)", 29, None),
        ("vsaq_security_privacy_programs.json", "vsaq", "VSAQ (security privacy programs)", 45, None),
        ("vsaq_webapp.json", "vsaq", "VSAQ (webapp)", 73, "vsaq-webapp"),
    ],
)
def test_real_file_is_recognised_with_its_question_count(name, fmt, label, count, source):
    parsed = real(name)
    refs = [question.ref for question in parsed.questions]
    assert (parsed.format, parsed.format_label, len(refs)) == (fmt, label, count)
    assert len(set(refs)) == len(refs)
    assert [question.order for question in parsed.questions] == list(range(count))
    if source:
        assert refs == labelled_refs(source)


@requires_shared
@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("vsaq_physical_and_datacenter.json", "vsaq-physical_and_datacenter"),
        ("vsaq_security_privacy_programs.json", "vsaq-security_privacy_programs"),
    ],
)
def test_vsaq_refs_match_the_bench_labels(name, source):
    assert [question.ref for question in real(name).questions] == labelled_refs(source)


@requires_shared
def test_caiq_slots_are_answer_dropdown_ssrm_dropdown_and_description():
    first = real(CAIQ_BLANK).questions[0]
    assert (first.ref, first.section) == ("A&A-01.1", "Audit & Assurance")
    answer, ownership, comment = first.slots
    assert (answer.role, answer.sheet, answer.cell, answer.kind) == ("answer", "CAIQv4.0.3", "C3", "choice")
    assert answer.choices == ["Yes", "No", "NA"]
    assert (ownership.role, ownership.cell, ownership.kind) == ("ownership", "D3", "choice")
    assert "CSP-owned" in ownership.choices
    assert (comment.role, comment.cell, comment.kind, comment.choices) == ("comment", "E3", "text", [])
    assert real(CAIQ_BLANK).questions[-1].slots[0].cell == "C263"
    assert not any(question.existing_answer for question in real(CAIQ_BLANK).questions)


@requires_shared
def test_filled_caiq_exposes_the_existing_answers():
    questions = real(CAIQ_FILLED).questions
    assert Counter(question.existing_answer for question in questions) == {"Yes": 259, "No": 2}
    assert all(question.slots[1].existing for question in questions)
    assert sum(1 for question in questions if question.slots[2].existing) == 152
    assert len({question.section for question in questions}) == 17


@requires_shared
def test_hecvat_306_treats_template_placeholders_as_blank_and_finds_named_dropdowns():
    questions = {question.ref: question for question in real(HECVAT_306).questions}
    assert all(ID_PATTERN.match(ref) for ref in questions)
    for ref in ("DATE-01", "GNRL-01", "GNRL-04", "GNRL-09", "GNRL-14", "COMP-01"):
        assert questions[ref].existing_answer == "", ref
    assert questions["GNRL-01"].text == "Vendor Name"
    assert questions["GNRL-01"].slots[0].cell == "C8"
    assert questions["DOCU-01"].slots[0].choices == ["Yes", "No"]
    assert [slot.role for slot in questions["DOCU-01"].slots] == ["answer", "comment"]
    assert questions["DOCU-01"].slots[1].cell == "D41"
    assert questions["DOCU-01"].section == "Documentation"


@requires_shared
def test_hecvat_304_columns_are_found_despite_the_one_row_offset():
    questions = {question.ref: question for question in real(HECVAT_304_FULL).questions}
    blank = {question.ref: question for question in real(HECVAT_306).questions}
    assert questions["QUAL-01"].slots[0].cell == "C26"
    assert blank["QUAL-01"].slots[0].cell == "C27"
    assert questions["DATE-01"].existing_answer == "2024-05-20"
    assert questions["GNRL-01"].existing_answer == "Instructure"
    assert questions["DOCU-01"].existing_answer == "Yes"
    assert questions["DOCU-01"].slots[1].existing


@requires_shared
def test_hecvat_4_slots_point_only_at_source_cells_never_formula_mirrors():
    parsed = real(HECVAT_414)
    with XlsxBook((QUESTIONNAIRES / HECVAT_414).read_bytes(), max_cells=2_000_000) as book:
        for question in parsed.questions:
            for slot in question.slots:
                row, col = openpyxl.utils.cell.coordinate_to_tuple(slot.cell)
                assert not book.is_formula(slot.sheet, row, col), (question.ref, slot.sheet, slot.cell)
        # The mirrored General Information rows on later tabs are formulas; their source is START HERE.
        assert book.is_formula("Organization", 13, 3)
    questions = {question.ref: question for question in parsed.questions}
    assert (questions["GNRL-01"].slots[0].sheet, questions["GNRL-01"].slots[0].cell) == ("START HERE", "C13")
    assert questions["REQU-04"].slots[0].sheet == "START HERE"
    assert len({question.slots[0].sheet for question in parsed.questions}) == 8


@requires_shared
def test_hecvat_4_dropdowns_come_from_x14_extension_lists():
    questions = {question.ref: question for question in real(HECVAT_414).questions}
    docu = questions["DOCU-01"]
    assert (docu.slots[0].sheet, docu.slots[0].cell) == ("Organization", "C22")
    assert docu.slots[0].kind == "choice"
    assert docu.slots[0].choices == ["Yes", "No"]
    with zipfile.ZipFile(QUESTIONNAIRES / HECVAT_414) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet2.xml").decode()
    plain_lists = re.findall(r"<dataValidation [^>]*type=\"list\"", sheet_xml)
    assert not plain_lists and "<x14:dataValidation " in sheet_xml
    assert any(question.slots[0].choices == ["Yes", "No", "N/A"] for question in questions.values())


@requires_shared
def test_vsaq_items_become_questions_with_choice_ids_and_labels():
    parsed = real("vsaq_webapp.json")
    questions = {question.ref: question for question in parsed.questions}
    radio = questions["application_vm_securitycontact"].slots[0]
    assert (radio.kind, radio.sheet, radio.cell) == ("choice", "", "application_vm_securitycontact")
    assert radio.choices == ["application_vm_securitycontact_yes", "application_vm_securitycontact_no"]
    assert radio.choice_labels[0].startswith("Yes, we have a published security email contact")
    assert questions["application_name"].slots[0].kind == "text"
    assert questions["application_name"].section == "Application Metadata"
    anonymous = [question for question in parsed.questions if question.ref.startswith("@")]
    assert anonymous and all(question.slots[0].choices[0] == question.ref[1:] for question in anonymous)
    # Markup is dropped; escaped code samples (&lt;script&gt;) stay as the text a reader sees.
    assert not any(re.search(r"</?(p|b|a|code|br)\b", question.text) for question in parsed.questions)


# Synthetic layouts ------------------------------------------------------------------------------------------


def workbook_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of the archive with some members replaced or added (compressed, as Excel would)."""
    replace, add = dict(replace or {}), dict(add or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, source.read(info.filename)))
        for name, content in {**replace, **add}.items():
            target.writestr(name, content)
    return out.getvalue()


def vendor_questionnaire() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Supplier Security"
    sheet.append(["Acme Corp supplier security assessment"])
    sheet.append([])
    sheet.append(["#", "Question", "Response", "Comments"])
    sheet.append([None, "Access control"])
    sheet.append(["AC-1", "Do you enforce multi-factor authentication for all staff?", "Yes", "Since 2021"])
    sheet.append(["AC-2", "Are user accounts reviewed at least quarterly?", None, None])
    sheet.append([None, "Encryption"])
    sheet.append(["EN-1", "Is customer data encrypted at rest with AES-256 or stronger?", None, None])
    validation = DataValidation(type="list", formula1='"Yes,No,N/A"')
    validation.add("C5:C8")
    sheet.add_data_validation(validation)
    return workbook


def test_generic_spreadsheet_columns_are_detected():
    data = workbook_bytes(vendor_questionnaire())
    mapping = detect_mapping("supplier.xlsx", data)
    assert mapping == ColumnMapping("Supplier Security", 3, "A", "B", "C", "D")
    parsed = parse_questionnaire("supplier.xlsx", data)
    assert (parsed.format, parsed.mapping) == ("spreadsheet", mapping)
    assert [question.ref for question in parsed.questions] == ["AC-1", "AC-2", "EN-1"]
    assert [question.section for question in parsed.questions] == ["Access control", "Access control", "Encryption"]
    first = parsed.questions[0]
    assert (first.existing_answer, first.slots[0].cell, first.slots[0].choices) == ("Yes", "C5", ["Yes", "No", "N/A"])
    assert (first.slots[1].role, first.slots[1].cell, first.slots[1].existing) == ("comment", "D5", "Since 2021")


def test_a_user_mapping_overrides_detection():
    data = workbook_bytes(vendor_questionnaire())
    mapping = ColumnMapping("Supplier Security", 3, "A", "B", "D", None)
    parsed = parse_questionnaire("supplier.xlsx", data, mapping=mapping)
    assert parsed.mapping == mapping and not parsed.warnings
    assert [question.ref for question in parsed.questions] == ["AC-1", "AC-2", "EN-1"]
    assert [slot.cell for slot in parsed.questions[0].slots] == ["D5"]
    assert parsed.questions[0].existing_answer == "Since 2021"


@requires_shared
def test_generic_reader_finds_the_caiq_columns_as_it_would_in_an_unknown_layout():
    data = (QUESTIONNAIRES / CAIQ_BLANK).read_bytes()
    mapping = detect_mapping(CAIQ_BLANK, data)
    assert mapping == ColumnMapping("CAIQv4.0.3", 2, "A", "B", "C", None)
    parsed = parse_questionnaire(CAIQ_BLANK, data, mapping=mapping)
    assert [question.ref for question in parsed.questions] == labelled_refs("caiq-v4.0.3")


def test_without_an_answer_header_the_empty_column_beside_the_questions_is_used():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Ref", "Requirement", "", "Owner"])
    sheet.append(["1", "Describe how you back up production databases.", None, "IT"])
    sheet.append(["2", "Describe your incident response process.", None, "Security"])
    mapping = detect_mapping("reqs.xlsx", workbook_bytes(workbook))
    assert (mapping.id_column, mapping.question_column, mapping.answer_column) == ("A", "B", "C")


def test_x14_extension_dropdowns_are_read_from_the_sheet_xml():
    x14 = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1>'
        "<xm:sqref>C5:C8</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"
    )
    workbook = vendor_questionnaire()
    lists = workbook.create_sheet("Lists")
    for value in ("Compliant", "Partially compliant", "Not compliant"):
        lists.append([value])
    data = workbook_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    sheet_xml = re.sub(r"<dataValidations.*?</dataValidations>", "", sheet_xml, flags=re.DOTALL)
    patched = rezip(data, replace={"xl/worksheets/sheet1.xml": sheet_xml.replace("</worksheet>", x14).encode()})
    parsed = parse_questionnaire("supplier.xlsx", patched)
    assert parsed.questions[0].slots[0].choices == ["Compliant", "Partially compliant", "Not compliant"]


def test_caiq_v3_style_yes_no_na_columns_become_one_marked_choice_slot():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "CAIQ v3.1"
    headers = ["Control Domain", "Control ID", "Question ID", "Control Specification", "Consensus Assessment Questions"]
    sheet.append([*headers, "Consensus Assessment Answers", None, None, "Notes"])
    sheet.append([None] * 5 + ["Yes", "No", "Not Applicable"])
    sheet.append(["Application & Interface Security", "AIS-01", "AIS-01.1", "Spec", "Do you use OWASP ASVS?", "x"])
    sheet.append([None, None, "AIS-01.2", None, "Do you use an automated source code analysis tool?", None, "X"])
    sheet.append([None, None, "AIS-01.3", None, "Do you use manual source-code analysis?", None, None, None, "Soon"])
    sheet.merge_cells("A3:A5")
    parsed = parse_questionnaire("caiq-v3.xlsx", workbook_bytes(workbook))
    assert parsed.format == "caiq-v3"
    assert [question.ref for question in parsed.questions] == ["AIS-01.1", "AIS-01.2", "AIS-01.3"]
    assert {question.section for question in parsed.questions} == {"Application & Interface Security"}
    answer = parsed.questions[0].slots[0]
    assert (answer.role, answer.kind, answer.cell) == ("answer", "choice", "F3")
    assert answer.choices == ["Yes", "No", "Not Applicable"]
    assert answer.mark_cells == ["F3", "G3", "H3"]
    assert [question.existing_answer for question in parsed.questions] == ["Yes", "No", ""]
    assert parsed.questions[2].slots[1].existing == "Soon"


def test_csv_is_mapped_and_formula_text_stays_text():
    text = 'ID;Question;Answer;Notes\nQ1;Do you run annual penetration tests?;=1+1;=HYPERLINK("x")\n'
    parsed = parse_questionnaire("questions.csv", ("\ufeff" + text).encode())
    assert parsed.format == "csv"
    assert parsed.mapping == ColumnMapping("", 1, "A", "B", "C", "D")
    assert parsed.questions[0].existing_answer == "=1+1"
    assert parsed.questions[0].slots[1].existing == '=HYPERLINK("x")'


def test_formulas_in_answer_cells_are_never_evaluated():
    workbook = vendor_questionnaire()
    sheet = workbook["Supplier Security"]
    sheet["C6"] = "=1+1"
    sheet["C6"].data_type = "s"
    sheet["C8"] = "=1+1"
    parsed = parse_questionnaire("supplier.xlsx", workbook_bytes(workbook))
    answers = {question.ref: question.existing_answer for question in parsed.questions}
    assert answers["AC-2"] == "=1+1"
    assert answers["EN-1"] == ""


def test_same_layout_gives_the_same_signature():
    first = workbook_bytes(vendor_questionnaire())
    workbook = vendor_questionnaire()
    workbook["Supplier Security"]["C6"] = "No"
    other_header = vendor_questionnaire()
    other_header["Supplier Security"]["C3"] = "Vendor answer"
    assert layout_signature("a.xlsx", first) == layout_signature("b.xlsx", workbook_bytes(workbook))
    assert layout_signature("a.xlsx", first) != layout_signature("a.xlsx", workbook_bytes(other_header))
    csv_data = b"ID,Question,Answer\nQ1,Do you encrypt backups?,\n"
    assert layout_signature("a.csv", csv_data) == layout_signature("b.csv", csv_data + b"Q2,Do you log access?,\n")


# Hostile and malformed files --------------------------------------------------------------------------------


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.fixture(scope="module")
def plain_xlsx() -> bytes:
    return workbook_bytes(vendor_questionnaire())


def refused(filename: str, data: bytes, **kwargs) -> str:
    with pytest.raises(FileRejected) as error:
        parse_questionnaire(filename, data, **kwargs)
    return str(error.value)


def test_zip_bomb_sheet_is_refused(plain_xlsx):
    padding = b"<!--" + b"a" * (8 * 1024 * 1024) + b"-->"
    with zipfile.ZipFile(io.BytesIO(plain_xlsx)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    inflated = sheet.replace(b"</worksheet>", padding + b"</worksheet>")
    bomb = rezip(plain_xlsx, replace={"xl/worksheets/sheet1.xml": inflated})
    assert len(bomb) < 100 * 1024
    assert "zip bomb" in refused("bomb.xlsx", bomb)


def test_huge_shared_strings_are_refused(plain_xlsx):
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    strings += b"<si><t>x</t></si>" * (3 * 1024 * 1024) + b"</sst>"
    assert "text table" in refused("strings.xlsx", rezip(plain_xlsx, replace={"xl/sharedStrings.xml": strings}))


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
        '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["billion-laughs", "xxe"],
)
def test_xml_with_a_doctype_is_refused(plain_xlsx, doctype):
    with zipfile.ZipFile(io.BytesIO(plain_xlsx)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    entity = "&lol3;" if "lol" in doctype else "&xxe;"
    assert "Yes</t>" in sheet
    hostile = f'<?xml version="1.0"?>{doctype}{sheet.replace("Yes</t>", f"{entity}</t>", 1)}'.encode()
    message = refused("entities.xlsx", rezip(plain_xlsx, replace={"xl/worksheets/sheet1.xml": hostile}))
    assert "DOCTYPE" in message


def test_macro_enabled_file_name_is_refused(plain_xlsx):
    assert "Macro-enabled" in refused("questionnaire.xlsm", plain_xlsx)


def test_xlsx_carrying_a_vba_project_is_refused(plain_xlsx):
    assert "macros" in refused("questionnaire.xlsx", rezip(plain_xlsx, add={"xl/vbaProject.bin": b"\x00" * 64}))


def test_macro_content_type_is_refused(plain_xlsx):
    with zipfile.ZipFile(io.BytesIO(plain_xlsx)) as archive:
        types = archive.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
        )
    assert "macro-enabled" in refused("questionnaire.xlsx", rezip(plain_xlsx, replace={"[Content_Types].xml": types}))


def test_workbook_with_external_links_is_refused(plain_xlsx):
    link = b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    hostile = rezip(plain_xlsx, add={"xl/externalLinks/externalLink1.xml": link})
    assert "external links" in refused("linked.xlsx", hostile)


def test_random_bytes_named_xlsx_are_refused():
    assert "not a valid .xlsx" in refused("questionnaire.xlsx", os.urandom(4096).replace(b"PK", b"pk"))


def test_encrypted_or_legacy_office_file_is_refused():
    assert "password-protected" in refused("q.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)


def test_oversized_upload_is_refused():
    assert "larger than the 20 MB" in refused("big.xlsx", b"PK" + b"\x00" * (20 * 1024 * 1024 + 1))


def test_too_many_zip_parts_are_refused(plain_xlsx):
    extra = {f"xl/media/pad{n}.txt": b"" for n in range(2_001)}
    assert "internal parts" in refused("parts.xlsx", rezip(plain_xlsx, add=extra))


def test_cell_budget_is_enforced(plain_xlsx):
    assert "cells" in refused("supplier.xlsx", plain_xlsx, max_cells=10)


def test_malformed_sheet_xml_is_refused(plain_xlsx):
    broken = rezip(plain_xlsx, replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})
    assert "malformed" in refused("broken.xlsx", broken)


@pytest.mark.parametrize(
    "content",
    [b'ID,Question,Answer\nQ1,"Do you encrypt backups?" yes,\n', b'ID,Question,Answer\nQ1,"Do you encrypt'],
    ids=["stray-quote", "unclosed-quote"],
)
def test_malformed_csv_is_refused(content):
    assert "malformed" in refused("questions.csv", content)


def test_non_utf8_csv_is_refused_with_a_hint():
    message = refused("questions.csv", "ID;Question;Réponse\nQ1;Chiffrez-vous les données?;\n".encode("cp1252"))
    assert "UTF-8" in message


def test_csv_row_cap_is_enforced():
    assert "too large" in refused("questions.csv", b"Question,Answer\n" + b"Is it?,\n" * 50, max_cells=20)


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("q.json", b"// comment\n{ not json", "could not be read"),
        ("q.json", b'{"items": []}', "not a VSAQ questionnaire"),
        ("q.json", b" " * (5 * 1024 * 1024 + 1), "limit is 5 MB"),
        ("q.pdf", b"%PDF-1.7", "not accepted here"),
        ("q.xls", b"\xd0\xcf\x11\xe0", ".xls"),
    ],
)
def test_unreadable_or_unsupported_files_are_refused(filename, content, expected):
    assert expected in refused(filename, content)
