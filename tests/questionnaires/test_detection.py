"""Reading spreadsheets Trustpack has never seen: question tabs and columns found by content, with a confidence."""

import io

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from questionnaires.formats import parse_questionnaire
from questionnaires.formats.cues import ID_PATTERN, question_likeness

QUESTIONS = [
    ("AC-01", "Do you enforce multi-factor authentication for every administrator?"),
    ("AC-02", "Are user access rights reviewed at least every quarter?"),
    ("AC-03", "Describe how accounts are removed when an employee leaves."),
    ("EN-01", "Is customer data encrypted at rest with AES-256 or stronger?"),
    ("EN-02", "Which TLS versions do your public endpoints accept?"),
    ("EN-03", "How are encryption keys rotated and who can use them?"),
]
GUIDANCE = (
    "Reviewers expect a description covering scope, frequency and the evidence kept for each review cycle, "
    "together with the name of the responsible role and the tooling used to perform it."
)


def xlsx(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refs_and_texts(parsed) -> list[tuple[str, str]]:
    return [(question.ref, question.text) for question in parsed.questions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Do you encrypt backups?", 1.0),
        ("Describe your incident response process.", 0.8),
        ("Please list every subprocessor", 0.8),
        ("Vendor name", 0.0),
        ("The vendor shall encrypt data at rest.", 0.0),
        ("Yes?", 0.0),  # too short to be a question
    ],
)
def test_question_likeness(text, expected):
    assert question_likeness(text) == expected


@pytest.mark.parametrize("value", ["AC-01", "AIS-01.1", "A&A-02.3", "1.2.3", "12", "A.1", "Q12", "COMP-01", "A1.2"])
def test_id_patterns_are_recognised(value):
    assert ID_PATTERN.match(value)


@pytest.mark.parametrize("value", ["Yes", "Access control", "2024-01-05 12:00", "see above", ""])
def test_non_ids_are_not(value):
    assert not ID_PATTERN.match(value)


def test_guidance_column_longer_than_the_questions_is_never_the_question_column():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Security"
    sheet.append(["Ref", "Guidance", "Question", "Response", "Scoring weight"])
    for ref, text in QUESTIONS:
        sheet.append([ref, GUIDANCE, text, None, 5])
    parsed = parse_questionnaire("vendor.xlsx", xlsx(workbook))
    assert parsed.confident
    assert refs_and_texts(parsed) == QUESTIONS
    assert parsed.questions[0].slots[0].cell == "D2"


def test_question_column_is_found_without_any_header_words():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Item", "Text", "Vendor input"])
    for ref, text in QUESTIONS:
        sheet.append([ref, text, None])
    parsed = parse_questionnaire("plain.xlsx", xlsx(workbook))
    assert parsed.confident and refs_and_texts(parsed) == QUESTIONS
    assert parsed.questions[0].slots[0].cell == "C2"


def test_multi_tab_workbook_reads_every_question_tab_and_skips_the_others():
    workbook = openpyxl.Workbook()
    intro = workbook.active
    intro.title = "Instructions"
    intro.append(["How do I fill this in? Answer every question on every tab, then return the file to us."])
    for title, rows in (("Access Control", QUESTIONS[:3]), ("Encryption", QUESTIONS[3:])):
        sheet = workbook.create_sheet(title)
        sheet.append([f"{title} questionnaire"])
        sheet.append([])
        sheet.append(["#", "Question", "Answer", "Comments"])
        for ref, text in rows:
            sheet.append([ref, text, None, None])
    lookup = workbook.create_sheet("Lookup")
    lookup.append(["Yes"])
    lookup.append(["No"])
    hidden = workbook.create_sheet("Old questions")
    for index in range(5):
        hidden.append([f"Did you answer question {index} in last year's version of this form?"])
    hidden.sheet_state = "hidden"
    scoring = workbook.create_sheet("Scoring")
    scoring.append(["Tab", "Score"])
    scoring.append(["Access Control", "=COUNTA('Access Control'!C4:C6)"])
    parsed = parse_questionnaire("multi.xlsx", xlsx(workbook))
    assert parsed.confident
    assert refs_and_texts(parsed) == QUESTIONS
    assert [question.section for question in parsed.questions] == ["Access Control"] * 3 + ["Encryption"] * 3
    assert [(slot.sheet, slot.cell) for slot in (q.slots[0] for q in parsed.questions[2:4])] == [
        ("Access Control", "C6"),
        ("Encryption", "C4"),
    ]
    summary = {sheet.sheet: (sheet.questions, sheet.skipped_because) for sheet in parsed.sheets}
    assert summary["Access Control"] == (3, "") and summary["Encryption"] == (3, "")
    assert summary["Instructions"][1] == "instructions tab"
    assert summary["Old questions"][1] == "hidden tab"
    assert summary["Lookup"][1] == "lookup tab" and summary["Scoring"][1] == "scoring tab"


def test_repeated_numbering_across_tabs_gets_the_tab_name():
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("People", QUESTIONS[:3]), ("Systems", QUESTIONS[3:])):
        sheet = workbook.create_sheet(title)
        sheet.append(["No.", "Question", "Answer"])
        for number, (_, text) in enumerate(rows, 1):
            sheet.append([number, text, None])
    parsed = parse_questionnaire("numbered.xlsx", xlsx(workbook))
    assert [question.ref for question in parsed.questions] == [
        "People!1",
        "People!2",
        "People!3",
        "Systems!1",
        "Systems!2",
        "Systems!3",
    ]


def test_caiq_v3_layout_reads_the_assessment_questions_not_the_merged_control_text():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Consensus Assessments"
    sheet.append(["Consensus Assessments Initiative Questionnaire v3.0.1"])
    headers = ["Control Domain", "Control ID", "Question ID", "Control Specification", "Consensus Assessment Questions"]
    sheet.append([*headers, "Consensus Assessment Answers", None, None, "Notes"])
    sheet.append([None] * 5 + ["Yes", "No", "Not Applicable"])
    spec = "Applications and programming interfaces (APIs) shall be designed, developed and deployed in accordance"
    rows = [
        ("AIS-01.1", "Do you use industry standards to build in security for your systems development lifecycle?"),
        ("AIS-01.2", "Do you use an automated source code analysis tool to detect security defects in code?"),
        ("AIS-01.3", "Do you use manual source-code analysis to detect security defects in code prior to production?"),
    ]
    for index, (ref, text) in enumerate(rows):
        first = index == 0
        domain = "Application & Interface Security" if first else None
        sheet.append([domain, "AIS-01" if first else None, ref, spec if first else None, text, "x" if first else None])
    sheet.merge_cells("A4:A6")
    sheet.merge_cells("B4:B6")
    sheet.merge_cells("D4:D6")
    parsed = parse_questionnaire("caiq-v3.0.1.xlsx", xlsx(workbook))
    assert refs_and_texts(parsed) == rows
    answer = parsed.questions[0].slots[0]
    assert (answer.mark_cells, answer.choices, answer.existing) == (
        ["F4", "G4", "H4"],
        ["Yes", "No", "Not Applicable"],
        "Yes",
    )


def test_hecvat_2_style_stacked_tables_with_qualifier_and_guidance_columns():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "HECVAT"
    sheet.append(["Higher Education Community Vendor Assessment Toolkit"])
    sheet.append(["GNRL-01", "Vendor Name", None])
    sheet.append(["GNRL-02", "Product Name", None])
    blocks = [
        (
            "Application Security",
            [("APPL-01", "Are access controls for institutional accounts based on structured rules?")],
        ),
        (
            "Data",
            [
                ("DATA-01", "Will institution data be stored on any devices (database servers, file servers)?"),
                ("DATA-02", "Do you encrypt data at rest?"),
                ("DATA-03", "Describe your data retention schedule."),
            ],
        ),
    ]
    answers = DataValidation(type="list", formula1='"Yes,No,N/A"')
    sheet.add_data_validation(answers)
    for title, questions in blocks:
        sheet.append([title, None, "Vendor Answers", "Additional Information", "Guidance", "Qualifier"])
        for ref, text in questions:
            sheet.append([ref, text, None, None, GUIDANCE, "If you answered No, describe your compensating controls."])
            answers.add(f"C{sheet.max_row}")
    parsed = parse_questionnaire("hecvat2.xlsx", xlsx(workbook))
    assert parsed.confident
    assert [question.ref for question in parsed.questions] == [
        "GNRL-01",
        "GNRL-02",
        "APPL-01",
        "DATA-01",
        "DATA-02",
        "DATA-03",
    ]
    assert [question.section for question in parsed.questions][2:4] == ["Application Security", "Data"]
    first = parsed.questions[2]
    assert [(slot.role, slot.cell) for slot in first.slots] == [("answer", "C5"), ("comment", "D5")]
    assert first.slots[0].choices == ["Yes", "No", "N/A"]


def test_google_sheets_padding_and_text_dates_do_not_confuse_detection():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["Last updated", "2024-03-01"])
    sheet.append(["ID", "Question", "Answer", "Notes"])
    for ref, text in QUESTIONS:
        sheet.append([ref, text, "", ""])
    for row in range(sheet.max_row + 1, 1001):
        for col in range(1, 27):
            sheet.cell(row=row, column=col, value="")
    parsed = parse_questionnaire("export.xlsx", xlsx(workbook))
    assert parsed.confident and refs_and_texts(parsed) == QUESTIONS


def test_hidden_rows_and_section_rows_are_skipped_and_counted():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Answer"])
    sheet.append(["Access control"])
    sheet.merge_cells("A2:C2")
    for ref, text in QUESTIONS[:3]:
        sheet.append([ref, text, None])
    sheet.append(["XX-99", "Is this an internal note the customer hid from vendors?", None])
    sheet.row_dimensions[sheet.max_row].hidden = True
    sheet.append(["Encryption"])
    for ref, text in QUESTIONS[3:]:
        sheet.append([ref, text, None])
    parsed = parse_questionnaire("sections.xlsx", xlsx(workbook))
    assert refs_and_texts(parsed) == QUESTIONS
    assert {question.section for question in parsed.questions} == {"Access control", "Encryption"}
    assert parsed.sheets[0].skipped == {"section heading": 2, "hidden row": 1}


def test_two_columns_of_questions_make_the_reading_unsure():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["A", "B", "C"])
    for (_, first), (_, second) in zip(QUESTIONS, reversed(QUESTIONS), strict=True):
        sheet.append([first, second, None])
    parsed = parse_questionnaire("twins.xlsx", xlsx(workbook))
    assert not parsed.confident
    assert any("both read like questions" in doubt for doubt in parsed.doubts)


def test_a_sheet_of_statements_without_question_words_is_unsure_not_refused():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Topic", "Text"])
    for index in range(6):
        sheet.append([f"Topic {index}", f"The supplier keeps records of item {index} for seven years at least."])
    parsed = parse_questionnaire("statements.xlsx", xlsx(workbook))
    assert not parsed.confident and parsed.questions == []
    assert parsed.doubts


def test_statements_under_a_requirement_header_are_read_with_a_doubt():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Ref", "Requirement", "Response"])
    for index in range(6):
        sheet.append([f"R{index}", f"The supplier keeps records of item {index} for seven years at least.", None])
    parsed = parse_questionnaire("requirements.xlsx", xlsx(workbook))
    assert not parsed.confident
    assert [question.ref for question in parsed.questions] == [f"R{index}" for index in range(6)]


def test_semicolon_csv_with_bom_and_title_rows():
    lines = ["Supplier review 2024;;;", ";;;", "Nr;Vraag / Question;Antwoord;Toelichting"]
    lines += [f"{ref};{text};;" for ref, text in QUESTIONS]
    parsed = parse_questionnaire("review.csv", ("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    assert parsed.confident and refs_and_texts(parsed) == QUESTIONS
    assert parsed.questions[0].slots[0].cell == "C4"


def test_tabs_past_the_scan_limit_are_named_in_a_warning(monkeypatch):
    from questionnaires.formats import generic

    monkeypatch.setattr(generic, "MAX_SHEETS_SCANNED", 2)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("One", QUESTIONS[:3]), ("Two", QUESTIONS[3:]), ("Three", QUESTIONS[:3])):
        sheet = workbook.create_sheet(title)
        sheet.append(["ID", "Question", "Answer"])
        for ref, text in rows:
            sheet.append([f"{title}-{ref}", text, None])
    parsed = parse_questionnaire("many.xlsx", xlsx(workbook))
    assert {question.ref.split("-")[0] for question in parsed.questions} == {"One", "Two"}
    assert parsed.warnings == ["This workbook has 3 tabs; only the first 2 were read. Split it to import the rest."]
