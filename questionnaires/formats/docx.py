"""Word documents (.docx) as questionnaires: questions in tables, or in numbered paragraphs under headings.

word/document.xml is read with defusedxml after `open_docx_archive` has checked the package (no macros, no
external template, no DTD, within the size caps); nothing else of the document is needed but the styles
(which paragraphs are headings or list items) and the numbering (what number a list item shows).

Tables: per top-level table, a header row (within the first five rows) names the question, answer, comment and
ID columns ("Question", "Requirement", "Control"; "Answer", "Response"; "Comments", "Notes"; "ID", "#", "Ref").
Without one, the question column is the one whose cells read like questions (end with "?" or start with
Do / Is / Describe / Please ...), the answer column the next one to its right, the ID column the one whose
cells look like IDs (ABC-01, 1.2.3, A.1, Q12). A row whose one cell spans the table, or with one filled cell
outside the question column, is a section heading.

Paragraphs: a list item (Word numbering) or a paragraph starting "1.", "1.2", "Q3:" that reads like a question
is a question; heading paragraphs are sections. Its answer goes into the paragraph right below when that one
is empty, a placeholder ("[Vendor response]"), labelled ("Answer: ...") or plain text that is neither a
question, a heading nor guidance ("Please ..."), which then is the earlier answer; else into a new paragraph
inserted right after the question.

Locators (`AnswerSlot.cell`; `AnswerSlot.sheet` is ""), all numbers 1-based, counted in document order:
- `T3.R5.C2`: table 3, row 5, cell 2. Tables are the direct <w:tbl> children of <w:body> (not nested tables,
  not tables inside content controls); rows its <w:tr> children; cells the <w:tc> children of the row, each
  counted once however many grid columns it spans.
- `P17`: the 17th direct <w:p> child of <w:body>; the answer replaces its text (keeping an "Answer:" label).
- `P17+`: a new paragraph inserted right after the 17th body paragraph.
`questionnaires.writeback.docx_write` resolves the same locators by the same counting.
"""

import hashlib
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from .cues import ID_PATTERN, question_likeness
from .parsed import MAX_QUESTIONS, AnswerSlot, ParsedQuestion, ParsedQuestionnaire, QuestionnaireFileError, SheetSummary
from .wordml import Cell, Document, W, text_of

HEADER_ROWS_SEARCHED = 5
_NUMBER_PREFIX = re.compile(
    r"^(?:(?:Q|Question)\s*(?P<q>\d+(?:\.\d+)*)\s*[:.)\-]?|(?P<n>\d+(?:\.\d+)*)(?:[.)]|(?=\s)))\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
_PLACEHOLDER = re.compile(
    r"^\s*(?:\[[^\]]*\]|<[^>]*>|\{[^}]*\}|_{3,}|\.{3,}|…|click (?:or tap )?here to enter (?:a )?text\.?|"
    r"(?:enter|type|insert) (?:your )?(?:answer|response|text)(?: here)?\.?|(?:answer|response) here\.?)?\s*$",
    re.IGNORECASE,
)
_ANSWER_LABEL = re.compile(
    r"^\s*((?:vendor |supplier |your )?(?:answer|response|reply)|a)\s*[:\uff1a]\s*", re.IGNORECASE
)
_GUIDANCE = re.compile(
    r"^(?:please|include|provide|note|guidance|hint|e\.g\.|for example|if (?:yes|no|applicable)|where applicable|"
    r"describe|explain|attach|list)\b",
    re.IGNORECASE,
)
_HEADERS = (  # tested in this order: "Response comments" is a comment column, "Question ID" an ID column
    (
        "id",
        re.compile(
            r"^(?:(?:question|control|item|req(?:uirement)?)\s*)?(?:id|#|no\.?|nr\.?|number|ref\.?|reference)(?:\s*(?:#|no\.?|id))?$"
        ),
    ),
    (
        "comment",
        re.compile(r"\b(?:comments?|notes?|remarks?|explanation|justification|additional information|evidence)\b"),
    ),
    ("answer", re.compile(r"\b(?:answers?|responses?|reply|compliance|compliant|yes\s*/\s*no)\b")),
    ("question", re.compile(r"\b(?:questions?|requirements?|controls?|query|criteri(?:a|on)|security item)\b")),
)


def reads_like_question(text: str) -> bool:
    """True for text that asks something, by the same cues as every other reader (`cues.question_likeness`)."""
    return question_likeness(text) > 0


def is_placeholder(text: str) -> bool:
    """True for text that only holds a place for an answer: empty, "[Vendor response]", "____", "Click here..."."""
    return bool(_PLACEHOLDER.match(text))


def answer_label(text: str) -> tuple[str, str]:
    """("Answer:", what follows) for a labelled answer paragraph, ("", text) otherwise."""
    match = _ANSWER_LABEL.match(text)
    if match is None:
        return "", text
    return f"{match[1]}:", text[match.end() :]


def parse(filename: str, data: bytes) -> ParsedQuestionnaire:
    """The questions of a Word questionnaire, from its tables and numbered paragraphs, in document order."""
    document = Document(data)
    reader = _Reader(document)
    questions = reader.read()
    if not questions:
        raise QuestionnaireFileError(
            "No questions were found in this Word document. Put the questions in a table with a 'Question' and an "
            "'Answer' column, or in numbered paragraphs, and upload it again."
        )
    confidence = min(reader.confidences) if reader.confidences else 0.0
    return ParsedQuestionnaire(
        format="docx",
        format_label="Word document",
        questions=questions,
        confidence=confidence,
        doubts=reader.doubts if confidence < 0.6 else [],
        sheets=reader.summaries,
    )


def table_headers(data: bytes) -> list[list[str]]:
    """Each top-level table's header row as text; a table without one counts by its number of cells only, so
    that its content does not make two documents of the same layout look different."""
    headers = []
    for table in Document(data).tables:
        found = _header(table)
        if found:
            headers.append([" ".join(cell.text.split()) for cell in table[found[0]]])
        else:
            headers.append([""] * (len(table[0]) if table else 0))
    return headers


def table_previews(data: bytes, *, rows: int, columns: int) -> list[dict]:
    """The first rows and cells of each top-level table as text, for showing a person what was read."""
    previews = []
    for number, table in enumerate(Document(data).tables, start=1):
        previews.append(
            {
                "name": f"Table {number}",
                "columns": [str(index) for index in range(1, columns + 1)],
                "rows": [
                    {"number": index, "cells": [cell.text for cell in row[:columns]] + [""] * (columns - len(row))}
                    for index, row in enumerate(table[:rows], start=1)
                ],
            }
        )
    return previews


def signature(data: bytes) -> str:
    """A stable hex digest of the tables' header rows: equal for documents of the same layout."""
    text = "\x1e".join("\x1f".join(cell.lower() for cell in row) for row in table_headers(data))
    return hashlib.sha256(f"docx\x1d{text}".encode()).hexdigest()


def _header_role(text: str) -> str | None:
    text = " ".join(re.sub(r"[^\w#/&. ]", " ", text.lower()).split())
    if not text or len(text) > 60:
        return None
    return next((role for role, pattern in _HEADERS if pattern.search(text)), None)


def _header(table: list[list[Cell]]) -> tuple[int, dict[str, int]] | None:
    """(row index, role → grid column) of the first row within the first few that names a question or answer
    column among others."""
    for index, row in enumerate(table[:HEADER_ROWS_SEARCHED]):
        roles: dict[str, int] = {}
        for cell in row:
            role = _header_role(cell.text)
            if role and role not in roles and not reads_like_question(cell.text):
                roles[role] = cell.start
        if len(roles) >= 2 and ("question" in roles or "answer" in roles):
            return index, roles
    return None


def _cell_at(row: list[Cell], column: int) -> Cell | None:
    return next((cell for cell in row if cell.covers(column)), None)


def _column_shares(rows: list[list[Cell]], test) -> dict[int, tuple[float, int]]:
    """Grid column → (share of its filled cells that pass `test`, filled cells)."""
    counts: dict[int, list[int]] = {}
    for row in rows:
        for cell in row:
            if cell.text and not cell.continued and cell.span == 1:
                count = counts.setdefault(cell.start, [0, 0])
                count[1] += 1
                count[0] += bool(test(cell.text))
    return {column: (hits / filled, filled) for column, (hits, filled) in counts.items()}


@dataclass
class _Layout:
    first_row: int  # index of the first row after the header
    question: int
    answer: int | None
    comment: int | None
    id: int | None
    confidence: float
    asks: bool  # most cells of the question column read like questions


def _layout(table: list[list[Cell]]) -> _Layout | str:
    """Where a table's questions and answers are, or why it holds none."""
    found = _header(table)
    roles = found[1] if found else {}
    first_row = found[0] + 1 if found else 0
    rows = table[first_row:]
    shares = _column_shares(rows, lambda text: reads_like_question(_strip_number(text)))
    question = roles.get("question")
    confidence = 0.95
    if question is None:
        candidates = [(share, column) for column, (share, filled) in shares.items() if filled >= 1]
        candidates = [item for item in candidates if item[1] not in roles.values()]
        if not candidates or max(candidates)[0] < 0.5:
            return "no question column"
        share, question = max(candidates)
        confidence = (0.85 if found else 0.3 + 0.6 * share) if share < 1 else 0.9
        first = table[0]
        unknown_header = len([cell for cell in first if cell.text]) > 1 and not any(
            reads_like_question(cell.text) for cell in first
        )
        if not found and len(table) > 1 and unknown_header:
            first_row, rows = 1, table[1:]  # a header row in words we do not know
    answer = roles.get("answer", roles.get("comment"))
    comment = roles.get("comment") if "answer" in roles else None
    id_column = roles.get("id")
    if id_column is None:
        id_shares = _column_shares(rows, ID_PATTERN.match)
        ids = [column for column, (share, filled) in id_shares.items() if share >= 0.6 and column != question]
        id_column = min(ids) if ids else None
    if answer is None:
        widths = {cell.start for row in rows for cell in row if cell.start > question}
        taken = {id_column, comment}
        answer = next((column for column in sorted(widths) if column not in taken), None)
        if answer is None:
            return "no column for answers"
    asks = shares.get(question, (0.0, 0))[0] >= 0.5
    return _Layout(first_row, question, answer, comment, id_column, confidence, asks)


def _strip_number(text: str) -> str:
    match = _NUMBER_PREFIX.match(" ".join(text.split()))
    return match["rest"] if match else text


class _Reader:
    def __init__(self, document: Document):
        self.document = document
        self.questions: list[ParsedQuestion] = []
        self.used_refs: set[str] = set()
        self.summaries: list[SheetSummary] = []
        self.confidences: list[float] = []
        self.doubts: list[str] = []

    def read(self) -> list[ParsedQuestion]:
        section = ""
        paragraph_number = table_number = 0
        blocks = self.document.blocks
        weak: list[tuple[int, int, str]] = []
        strong = 0
        skip_next = False
        for position, block in enumerate(blocks):
            if block.tag == W + "tbl":
                table_number += 1
                self.table_cells(table_number, section)
                continue
            paragraph_number += 1
            if skip_next:
                skip_next = False
                continue
            listed = self.document.list_level(block)
            number = self.document.numbering.label(*listed) if listed else ""  # empty items are counted too
            text = " ".join(text_of(block).split())
            if not text:
                continue
            if self.document.is_heading(block):
                section = text
                continue
            prefix = _NUMBER_PREFIX.match(text)
            if listed is None and prefix is None:
                if text.endswith("?"):
                    weak.append((paragraph_number, position, section))
                continue
            own = ""
            if prefix is not None:
                own = f"Q{prefix['q']}" if prefix["q"] else prefix["n"]
            body = prefix["rest"] if prefix else text
            if not reads_like_question(body):
                if len(body.split()) <= 8 and not body.endswith((".", ":")):
                    section = text  # a numbered heading ("2. Access control")
                continue
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            slot, skip_next = self._paragraph_slot(paragraph_number, following)
            ref = self._unique(own or number, f"P{paragraph_number}")
            self._add(ref, body if own else text, section, [slot])
            strong += 1
            self._check_count()
        if strong:
            self.confidences.append(0.9)
        if not self.questions and weak:
            for paragraph_number, position, heading in weak:
                following = blocks[position + 1] if position + 1 < len(blocks) else None
                slot, _ = self._paragraph_slot(paragraph_number, following)
                text = " ".join(text_of(blocks[position]).split())
                self._add(self._unique("", f"P{paragraph_number}"), text, heading, [slot])
                self._check_count()
            self.confidences.append(0.45)
            self.doubts.append(
                "The questions were recognised only by their question marks: they are neither numbered nor in a "
                "table with a Question column. Check that every question was found and nothing else was taken."
            )
        return self.questions

    def _paragraph_slot(self, number: int, following: Element | None) -> tuple[AnswerSlot, bool]:
        """The answer slot for the question paragraph `number`, and whether the paragraph below is taken by it."""
        insert = AnswerSlot(role="answer", sheet="", cell=f"P{number}+", kind="text")
        if following is None or following.tag != W + "p" or self.document.is_heading(following):
            return insert, False
        if self.document.list_level(following):
            return insert, False
        text = text_of(following).strip()
        label, rest = answer_label(text)
        if is_placeholder(rest):
            existing = ""
        elif label:
            existing = rest.strip()
        elif reads_like_question(_strip_number(text)) or _GUIDANCE.match(text) or _NUMBER_PREFIX.match(text):
            return insert, False
        else:
            existing = text
        return AnswerSlot(role="answer", sheet="", cell=f"P{number + 1}", kind="text", existing=existing), True

    def table_cells(self, number: int, section: str) -> None:
        table = self.document.tables[number - 1]
        summary = SheetSummary(f"Table {number}")
        self.summaries.append(summary)
        layout = _layout(table)
        if isinstance(layout, str):
            summary.skipped_because = layout
            return
        header = [cell.text for cell in table[layout.first_row - 1]] if layout.first_row else []
        for row_index in range(layout.first_row, len(table)):
            row, row_number = table[row_index], row_index + 1
            filled = [cell for cell in row if cell.text]
            if not filled:
                continue
            if header and [cell.text for cell in row] == header:
                summary.skip("repeated header")
                continue
            question_cell = _cell_at(row, layout.question)
            heading = self._section_row(row, filled, question_cell, layout)
            if heading:
                section = heading
                continue
            if question_cell is None or not question_cell.text:
                summary.skip("blank question")
                continue
            answer_cell = _cell_at(row, layout.answer) if layout.answer is not None else None
            if answer_cell is None or answer_cell is question_cell or answer_cell.continued:
                summary.skip("no answer cell")
                continue
            id_cell = _cell_at(row, layout.id) if layout.id is not None else None
            own = " ".join(id_cell.text.split()) if id_cell is not None and id_cell is not question_cell else ""
            locator = f"T{number}.R{row_number}"
            slots = [self._cell_slot("answer", locator, answer_cell)]
            comment_cell = _cell_at(row, layout.comment) if layout.comment is not None else None
            if (
                comment_cell is not None
                and comment_cell not in (question_cell, answer_cell)
                and not comment_cell.continued
            ):
                slots.append(self._cell_slot("comment", locator, comment_cell))
            self._add(self._unique(own, locator), " ".join(question_cell.text.split()), section, slots)
            summary.questions += 1
            self._check_count()
        if summary.questions:
            self.confidences.append(layout.confidence)
            if layout.confidence < 0.6:
                self.doubts.append(
                    f"Table {number} has no header row naming its columns, and only some of its cells read like "
                    "questions; check that the right column was taken as the questions."
                )

    @staticmethod
    def _section_row(row: list[Cell], filled: list[Cell], question_cell: Cell | None, layout: _Layout) -> str:
        text = " ".join(filled[0].text.split()) if len(filled) == 1 else ""
        if not text:
            return ""
        cell = filled[0]
        if len(row) == 1 or (cell.covers(layout.question) and layout.answer is not None and cell.covers(layout.answer)):
            return text
        if cell.start < layout.question and not ID_PATTERN.match(text):
            return text
        if cell is not question_cell or reads_like_question(text):
            return ""
        if layout.id is not None:
            return text  # in a table with IDs, a row without one that asks nothing names what follows
        if layout.asks and len(text.split()) <= 6 and not text.endswith((".", ":")):
            return text  # a short title among questions
        return ""

    @staticmethod
    def _cell_slot(role: str, locator: str, cell: Cell) -> AnswerSlot:
        existing = "" if is_placeholder(cell.text) else cell.text.strip()
        return AnswerSlot(role=role, sheet="", cell=f"{locator}.C{cell.index}", kind="text", existing=existing)

    def _add(self, ref: str, text: str, section: str, slots: list[AnswerSlot]) -> None:
        answer = next((slot for slot in slots if slot.role == "answer"), None)
        self.questions.append(
            ParsedQuestion(
                ref=ref,
                text=text,
                section=section,
                order=len(self.questions),
                slots=slots,
                existing_answer=answer.existing if answer else "",
            )
        )

    def _unique(self, ref: str, fallback: str) -> str:
        ref = ref.strip().rstrip(".")
        if not ref or ref in self.used_refs:
            ref = fallback
        while ref in self.used_refs:
            ref += "'"
        self.used_refs.add(ref)
        return ref

    def _check_count(self) -> None:
        if len(self.questions) > MAX_QUESTIONS:
            raise QuestionnaireFileError(
                f"This document has more than {MAX_QUESTIONS:,} questions; the limit is {MAX_QUESTIONS:,}. "
                "Split it into smaller documents and upload those."
            )
