"""Questionnaire files in the layouts customers send, generated from a list of questions, each with what a person
reads in it.

`generate(questions)` takes (ref, question, section) triples (from the ground-truth reader in
bench/extraction_truth.py, or made up) and returns one `Variant` per layout: the file's name and bytes and the
(ref, question) pairs a person would list. Refs are kept, so labels written for the source file still apply.
Everything is seeded: the same questions give the same file contents.

Reading rules the layouts rely on (what `expected` encodes):
- guidance, scoring, example, qualifier and notes columns are not questions, however long or question-like;
- Instructions, Summary and hidden tabs are not read; neither are hidden rows (here they hold withdrawn questions);
- section rows, merged headings and title blocks are not questions;
- the question column may be headed "Question", "Requirement", "Control question" or not at all.

Pure functions: openpyxl and csv, plus python-docx for the Word layout when it is installed (else that variant
comes back with `skipped` saying why).
"""

import csv
import datetime
import io
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

Question = tuple[str, str, str]  # ref, question text, section

FIXED_TIME = datetime.datetime(2024, 6, 3, 9, 0, 0)
GUIDANCE_SENTENCES = (
    "Describe the control as it operates today, not as it is planned to operate next year.",
    "Reviewers expect a reference to the policy document, its owner and the date of its last approval.",
    "Where the control is delegated to a sub-processor, name the provider and the assurance report relied upon.",
    "Answers that only restate the requirement will be returned for clarification by the assessment team.",
    "Attach evidence in the portal and quote its file name in the comment column so it can be matched.",
    "If the control applies to part of the service only, state the boundary and the compensating measures.",
    "Scoring follows the institution's risk model; a partial answer scores as non-compliant until evidenced.",
    "Reference the relevant section of the SOC 2 Type II report or ISO/IEC 27001 statement of applicability.",
)
PROSE = (
    "This questionnaire is part of the supplier onboarding process and must be completed by an authorised "
    "representative of the supplier. Answer every question on the domain tabs, choose a value from the drop-down "
    "list in the answer column and add any explanation in the comments column. Do not rename, move or delete tabs, "
    "columns or rows, because the responses are read back automatically. Questions that do not apply should be "
    "answered N/A with a short reason. Return the completed workbook to the procurement contact named in the "
    "invitation within ten working days. Incomplete submissions delay the review."
)
ANSWERS = ("Yes", "No", "N/A", "Yes", "Yes")
COMMENTS = (
    "See attached policy.",
    "Reviewed annually by the security team.",
    "Covered by our SOC 2 Type II report, section 4.",
    "",
    "",
)


@dataclass(frozen=True)
class Variant:
    layout: str
    filename: str
    data: bytes
    expected: tuple[tuple[str, str], ...]  # (ref, question text) a person reads in the file
    skipped: str = ""  # why this layout could not be produced here ("" when it was)


def subset(questions: Sequence[Question], size: int) -> list[Question]:
    """At most `size` questions spread evenly over the list (every section keeps a share), in order."""
    if len(questions) <= size:
        return list(questions)
    step = len(questions) / size
    return [questions[int(i * step)] for i in range(size)]


def generate(questions: Sequence[Question], *, stem: str = "questionnaire", seed: int = 0) -> list[Variant]:
    """One variant per layout of LAYOUTS, in that order."""
    return [layout(name, questions, stem=stem, seed=seed) for name in LAYOUTS]


def layout(name: str, questions: Sequence[Question], *, stem: str = "questionnaire", seed: int = 0) -> Variant:
    """The questions written in the named layout."""
    rng = random.Random(f"{seed}:{name}:{stem}")  # reproducible test files, nothing secret
    builder, extension = LAYOUTS[name]
    filename = f"{stem}--{name}.{extension}"
    expected = tuple((ref, text) for ref, text, _ in questions)
    try:
        data = builder(list(questions), rng)
    except _Unavailable as reason:
        return Variant(name, filename, b"", expected, skipped=str(reason))
    return Variant(name, filename, data, expected)


class _Unavailable(Exception):
    """A layout that needs a library this environment does not have."""


# ---- building blocks


def _answer(rng: random.Random) -> tuple[str, str]:
    return rng.choice(ANSWERS), rng.choice(COMMENTS)


def _guidance(rng: random.Random, longer_than: str) -> str:
    """Prose longer than the question beside it that does not end in '?' (what guidance columns look like)."""
    text = ""
    while len(text) <= len(longer_than) + 20:
        text = f"{text} {rng.choice(GUIDANCE_SENTENCES)}".strip()
    return text


def _workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "Procurement"
    return book


def _save(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sections(questions: list[Question]) -> list[tuple[str, list[Question]]]:
    """Consecutive questions grouped by section, in order."""
    groups: list[tuple[str, list[Question]]] = []
    for question in questions:
        if groups and groups[-1][0] == question[2]:
            groups[-1][1].append(question)
        else:
            groups.append((question[2], [question]))
    return groups


def _sheet_title(section: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", " ", section).strip()[:28].strip() or "Section"
    title, number = base, 2
    while title.lower() in used:
        title = f"{base[:25]} {number}"
        number += 1
    used.add(title.lower())
    return title


def _yes_no_dropdown(sheet, cells: str, source: str = '"Yes,No,N/A"') -> None:
    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(cells)


BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Border(*(Side(style="thin"),) * 4)


def _header(sheet, row: int, labels: Sequence[str | None]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = sheet.cell(row, col, label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL


# ---- layouts

ID_HEADERS = ("ID", "Ref", "#", "Item", "Question ID")
ANSWER_HEADERS = ("Answer", "Response", "Vendor response", "Supplier answer")
COMMENT_HEADERS = ("Comments", "Notes", "Additional information", "Explanation")


def _shuffled(question_header: str | None) -> Callable[[list[Question], random.Random], bytes]:
    """ID, question, answer and comment columns in a shuffled order, with varied header words."""

    def build(questions: list[Question], rng: random.Random) -> bytes:
        roles = ["id", "question", "answer", "comment"]
        while roles == ["id", "question", "answer", "comment"]:
            rng.shuffle(roles)
        headers = {
            "id": rng.choice(ID_HEADERS),
            "question": question_header,
            "answer": rng.choice(ANSWER_HEADERS),
            "comment": rng.choice(COMMENT_HEADERS),
        }
        book = _workbook()
        sheet = book.active
        sheet.title = "Questionnaire"
        _header(sheet, 1, [headers[role] for role in roles])
        for row, (ref, text, _) in enumerate(questions, start=2):
            answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
            values = {"id": ref, "question": text, "answer": answer, "comment": comment}
            for col, role in enumerate(roles, start=1):
                sheet.cell(row, col, values[role] or None)
        return _save(book)

    return build


def _extra_columns(questions: list[Question], rng: random.Random) -> bytes:
    """Guidance (longer than the questions), weight and example columns around the question column."""
    book = _workbook()
    sheet = book.active
    sheet.title = "Assessment"
    _header(sheet, 1, ["Ref", "Guidance", "Question", "Weight", "Example evidence", "Answer", "Comments", "Score"])
    for row, (ref, text, _) in enumerate(questions, start=2):
        answer, comment = _answer(rng)
        values = [
            ref,
            _guidance(rng, text),
            text,
            rng.choice((1, 2, 3, 5)),
            rng.choice(("e.g. policy PDF", "e.g. screenshot of the console", "e.g. audit report extract")),
            answer,
            comment or None,
            f'=IF(F{row}="Yes",D{row},0)',
        ]
        for col, value in enumerate(values, start=1):
            sheet.cell(row, col, value).alignment = Alignment(wrap_text=True)
    return _save(book)


def _decoy_questions(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Question-like lines that are not part of the questionnaire (withdrawn items, analyst notes)."""
    topics = ("backup tapes", "fax encryption", "floppy media", "dial-up access", "paper shredding", "pager alerts")
    return [
        (f"OLD-{number:02d}", f"Do you still maintain controls for {rng.choice(topics)} in every office?")
        for number in range(1, count + 1)
    ]


def _tabs_by_section(questions: list[Question], rng: random.Random) -> bytes:
    """One tab per section, plus Instructions, a Summary with formulas, a hidden Lookup tab feeding the dropdowns
    and a hidden tab of question-like text that is not part of the questionnaire."""
    book = _workbook()
    intro = book.active
    intro.title = "Instructions"
    intro["A1"] = "Supplier Security Assessment"
    intro["A1"].font = Font(bold=True, size=16)
    for row, sentence in enumerate(re.split(r"(?<=\.) ", PROSE), start=3):
        intro.cell(row, 1, sentence)
    intro.merge_cells("A3:F3")
    intro.column_dimensions["A"].width = 120
    summary = book.create_sheet("Summary")
    lookup = book.create_sheet("Lookup")
    used = {"instructions", "summary", "lookup", "archive"}
    summary.append(["Domain", "Questions", "Answered", "Yes", "Score %"])
    for section, items in _sections(questions):
        title = _sheet_title(section, used)
        sheet = book.create_sheet(title)
        sheet["A1"] = section
        sheet["A1"].font = Font(bold=True, size=13)
        _header(sheet, 2, ["ID", "Question", "Answer", "Comments"])
        for ref, text, _ in items:
            answer, comment = _answer(rng) if rng.random() < 0.4 else ("", "")
            sheet.append([ref, text, answer or None, comment or None])
        last = 2 + len(items)
        _yes_no_dropdown(sheet, f"C3:C{last}", "=Lookup!$A$1:$A$3")
        quoted = "'" + title.replace("'", "''") + "'"
        n = summary.max_row + 1
        summary.append(
            [
                section,
                len(items),
                f"=COUNTA({quoted}!C3:C{last})",
                f'=COUNTIF({quoted}!C3:C{last},"Yes")',
                f"=IF(B{n}=0,0,ROUND(D{n}/B{n}*100,1))",
            ]
        )
    summary.append(["Total", f"=SUM(B2:B{summary.max_row})", None, None, 0.0])
    for row, value in enumerate(("Yes", "No", "N/A"), start=1):
        lookup.cell(row, 1, value)
    lookup.sheet_state = "hidden"
    archive = book.create_sheet("Archive")
    _header(archive, 1, ["ID", "Question", "Answer"])
    for ref, text in _decoy_questions(rng, 12):
        archive.append([ref, text, None])
    archive.sheet_state = "hidden"
    return _save(book)


def _section_rows(questions: list[Question], rng: random.Random) -> bytes:
    """One table with a merged, filled section row before each section's questions."""
    book = _workbook()
    sheet = book.active
    sheet.title = "Questions"
    _header(sheet, 1, ["No.", "Question", "Response", "Remarks"])
    row = 2
    for number, (section, items) in enumerate(_sections(questions), start=1):
        sheet.cell(row, 1, f"{number}. {section}").font = BOLD
        sheet.cell(row, 1).fill = PatternFill("solid", fgColor="D9E1F2")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        row += 1
        if rng.random() < 0.5:
            sheet.cell(row, 2, f"The following questions cover {section.lower()}.").font = Font(italic=True)
            row += 1
        for ref, text, _ in items:
            answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
            for col, value in enumerate((ref, text, answer or None, comment or None), start=1):
                sheet.cell(row, col, value).border = THIN
            row += 1
    return _save(book)


def _hidden_rows(questions: list[Question], rng: random.Random) -> bytes:
    """A plain table with hidden rows between the questions holding withdrawn question-like items."""
    book = _workbook()
    sheet = book.active
    sheet.title = "Questionnaire"
    _header(sheet, 1, ["ID", "Question", "Answer", "Comments"])
    decoys = iter(_decoy_questions(rng, len(questions) // 6 + 1))
    row = 2
    for index, (ref, text, _) in enumerate(questions):
        if index % 6 == 3:
            decoy_ref, decoy_text = next(decoys)
            sheet.append([decoy_ref, decoy_text, "N/A", "Withdrawn in this revision"])
            sheet.row_dimensions[row].hidden = True
            row += 1
        answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
        sheet.append([ref, text, answer or None, comment or None])
        row += 1
    return _save(book)


PAD_ROWS, PAD_COLUMNS = 1000, 26


def _google_sheets(questions: list[Question], rng: random.Random) -> bytes:
    """A Google Sheets download: the grid padded to 1,000 rows x 26 columns with empty strings and styled empty
    cells, and dates stored as text."""
    rows = [["Question ID", "Question", "Answer", "Comments", "Last reviewed"]]
    for ref, text, _ in questions:
        answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
        reviewed = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if answer else ""
        rows.append([ref, text, answer, comment, reviewed])
    book = _workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet["A1"].font = Font(name="Arial", size=10, bold=True)
    sheet["A2"].font = Font(name="Arial", size=10)
    sheet["A1"], sheet["A2"] = "header", "body"
    # openpyxl writes a thousand padded rows slowly; the sheet XML is written here instead, as Sheets does it
    grid = "".join(
        _padded_row(index, rows[index - 1] if index <= len(rows) else [])
        for index in range(1, 1 + max(PAD_ROWS, len(rows)))
    )
    data = _save(book)
    return _replace_part(data, "xl/worksheets/sheet1.xml", lambda xml: _with_sheet_data(xml, grid))


def _padded_row(index: int, values: list[str]) -> str:
    from xml.sax.saxutils import escape

    style = 1 if index == 1 else 2
    cells = []
    for col in range(1, PAD_COLUMNS + 1):
        ref = f"{get_column_letter(col)}{index}"
        value = values[col - 1] if col <= len(values) else ""
        if value or col % 2:  # text, or an empty string the way Sheets pads its grid
            cells.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        else:  # a styled cell with no value
            cells.append(f'<c r="{ref}" s="{style}"/>')
    return f'<row r="{index}">{"".join(cells)}</row>'


def _with_sheet_data(xml: str, grid: str) -> str:
    xml = re.sub(r"<sheetData>.*</sheetData>", lambda _: f"<sheetData>{grid}</sheetData>", xml, flags=re.DOTALL)
    return re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{get_column_letter(PAD_COLUMNS)}{PAD_ROWS}"', xml)


def _replace_part(data: bytes, name: str, change: Callable[[str], str]) -> bytes:
    """The xlsx with one part's XML changed and every other part copied as it was."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == name:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def _title_block(questions: list[Question], rng: random.Random) -> bytes:
    """A title, a customer block and instructions above the header row."""
    book = _workbook()
    sheet = book.active
    sheet.title = "Vendor Assessment"
    sheet["A1"] = "Acme Manufacturing - Third-Party Security Assessment"
    sheet["A1"].font = Font(bold=True, size=16)
    sheet.merge_cells("A1:E1")
    sheet["A2"] = "Version 2.1"
    sheet["A3"], sheet["B3"] = "Vendor name:", None
    sheet["A4"], sheet["B4"] = "Date sent:", "03/06/2024"
    sheet["A5"] = PROSE
    sheet.merge_cells("A5:E5")
    sheet["A5"].alignment = Alignment(wrap_text=True)
    _header(sheet, 7, ["Item", "Question", "Answer", "Comments", "Evidence reference"])
    for row, (ref, text, _) in enumerate(questions, start=8):
        answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
        sheet.append([ref, text, answer or None, comment or None, None])
        sheet.cell(row, 3).border = THIN
    return _save(book)


def _csv_semicolon(questions: list[Question], rng: random.Random) -> bytes:
    """What Excel saves as CSV in many European locales: semicolons, a UTF-8 byte order mark, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["ID", "Question", "Answer", "Comment"])
    for ref, text, _ in questions:
        answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
        writer.writerow([ref, text, answer, comment])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _control_id(ref: str) -> str:
    return ref.rsplit(".", 1)[0] if "." in ref else ref


def _caiq_v3(questions: list[Question], rng: random.Random) -> bytes:
    """CAIQ v3.x: domain, control ID, question ID, a merged 'shall' control specification, the question, then
    Yes / No / Not Applicable columns to mark with an x under a merged answers header, then notes."""
    book = _workbook()
    sheet = book.active
    sheet.title = "CAIQv3.1"
    sheet["A1"] = "CONSENSUS ASSESSMENTS INITIATIVE QUESTIONNAIRE v3.1"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:I1")
    labels = [
        "Control Domain",
        "Control ID",
        "Question ID",
        "Control Specification",
        "Consensus Assessment Questions",
        "Consensus Assessment Answers",
        None,
        None,
        "Notes",
    ]
    _header(sheet, 2, labels)
    sheet.merge_cells("F2:H2")
    for col in (1, 2, 3, 4, 5, 9):
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    _header(sheet, 3, [None] * 5 + ["Yes", "No", "Not Applicable"])
    row = 4
    for section, items in _sections(questions):
        domain_start = row
        controls: list[list[Question]] = []
        for question in items:
            if controls and _control_id(controls[-1][0][0]) == _control_id(question[0]):
                controls[-1].append(question)
            else:
                controls.append([question])
        for control in controls:
            control_start = row
            sheet.cell(row, 2, _control_id(control[0][0]))
            sheet.cell(row, 4, _specification(section, rng))
            for ref, text, _ in control:
                sheet.cell(row, 3, ref)
                sheet.cell(row, 5, text)
                mark = rng.choice((6, 6, 6, 7, 8, None))
                if mark:
                    sheet.cell(row, mark, "x")
                if rng.random() < 0.3:
                    sheet.cell(row, 9, rng.choice(COMMENTS[:3]))
                row += 1
            if row - 1 > control_start:
                sheet.merge_cells(start_row=control_start, start_column=2, end_row=row - 1, end_column=2)
                sheet.merge_cells(start_row=control_start, start_column=4, end_row=row - 1, end_column=4)
        sheet.cell(domain_start, 1, section)
        if row - 1 > domain_start:
            sheet.merge_cells(start_row=domain_start, start_column=1, end_row=row - 1, end_column=1)
    return _save(book)


def _specification(section: str, rng: random.Random) -> str:
    verbs = rng.choice(
        (
            "established, documented, approved, communicated, applied, evaluated and maintained",
            "defined and implemented, and reviewed at least annually by management",
        )
    )
    return (
        f"Policies and procedures for {section.lower()} shall be {verbs}. Supporting business processes and "
        "technical measures shall be implemented to enforce them, and exceptions shall be recorded with an owner, "
        "a compensating control and an expiry date."
    )


def _hecvat2(questions: list[Question], rng: random.Random) -> bytes:
    """HECVAT 2.x: stacked tables, each with its own header row (section name, 'Vendor Answer', 'Additional
    Information', 'Guidance', 'Qualifier'); IDs in A, question in B, a Yes/No dropdown in C."""
    book = _workbook()
    sheet = book.active
    sheet.title = "HECVAT - Full"
    sheet["A1"] = "Higher Education Community Vendor Assessment Toolkit - Full"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["E1"] = "Version 2.11"
    row = 3
    answer_rows: list[int] = []
    for section, items in _sections(questions):
        for col, label in enumerate(
            (section, None, "Vendor Answer", "Additional Information", "Guidance", "Qualifier"), start=1
        ):
            cell = sheet.cell(row, col, label)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        row += 1
        for ref, text, _ in items:
            answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
            values = (
                ref,
                text,
                answer if answer in ("Yes", "No") else None,
                comment or None,
                _guidance(rng, text),
                rng.choice(("Required if institutional data is hosted", "Optional", "Required for all vendors")),
            )
            for col, value in enumerate(values, start=1):
                sheet.cell(row, col, value)
            answer_rows.append(row)
            row += 1
        row += 1  # a blank row between tables
    if answer_rows:
        _yes_no_dropdown(sheet, f"C{answer_rows[0]}:C{answer_rows[-1]}", '"Yes,No"')
    return _save(book)


def _word_table(questions: list[Question], rng: random.Random) -> bytes:
    """A Word document: a title, introductory prose and one table of ID, question, response and comments."""
    try:
        import docx
    except ImportError as error:
        raise _Unavailable("python-docx is not installed, so no Word document can be generated") from error
    document = docx.Document()
    document.core_properties.created = FIXED_TIME
    document.core_properties.modified = FIXED_TIME
    document.add_heading("Supplier Security Questionnaire", level=1)
    document.add_paragraph(PROSE)
    table = document.add_table(rows=1, cols=4)
    for cell, label in zip(table.rows[0].cells, ("ID", "Question", "Response", "Comments"), strict=True):
        cell.text = label
    for ref, text, _ in questions:
        answer, comment = _answer(rng) if rng.random() < 0.5 else ("", "")
        for cell, value in zip(table.add_row().cells, (ref, text, answer, comment), strict=True):
            cell.text = value
    document.add_paragraph("Thank you for completing this questionnaire.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


LAYOUTS: dict[str, tuple[Callable[[list[Question], random.Random], bytes], str]] = {
    "shuffled-question": (_shuffled("Question"), "xlsx"),
    "shuffled-requirement": (_shuffled("Requirement"), "xlsx"),
    "shuffled-control-question": (_shuffled("Control question"), "xlsx"),
    "shuffled-no-question-header": (_shuffled(None), "xlsx"),
    "extra-columns": (_extra_columns, "xlsx"),
    "tabs-by-section": (_tabs_by_section, "xlsx"),
    "section-rows": (_section_rows, "xlsx"),
    "hidden-rows": (_hidden_rows, "xlsx"),
    "google-sheets": (_google_sheets, "xlsx"),
    "title-block": (_title_block, "xlsx"),
    "csv-semicolon-bom": (_csv_semicolon, "csv"),
    "caiq-v3": (_caiq_v3, "xlsx"),
    "hecvat-2": (_hecvat2, "xlsx"),
    "word-table": (_word_table, "docx"),
}
