"""Writing answers back into the customer's own file (xlsx, docx, csv) or an answers JSON (VSAQ).

Only approved responses go out (internal drafts may also carry suggested and accepted ones), and
never an answer whose library entry is now overdue, retired or internal.
"""

import json
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl.utils.cell import coordinate_to_tuple

from library.policies import leave_refusal, nda_covers

from .models import Questionnaire, ResponseStatus
from .writeback import CellWrite, WriteBackError, csv_write_cells, docx_write, xlsx_write_cells

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ExportError(ValueError):
    """The file cannot be produced (with a message for the user)."""


@dataclass
class ExportedFile:
    filename: str
    content: bytes
    content_type: str
    written: int = 0
    skipped: list[str] = field(default_factory=list)


def _row_col(cell: str) -> tuple[int, int]:
    """0-based (row, column) of an A1 reference, for the CSV writer."""
    try:
        row, column = coordinate_to_tuple(cell.upper())
    except ValueError as error:
        raise ExportError(f"Cannot write to cell {cell!r}.") from error
    return row - 1, column - 1


def _values_for(question, response) -> list[tuple[dict, str]]:
    """(slot, value) pairs for one answered question, following each slot's role and kind. A layout that
    marks answers with an "x" under Yes / No / N/A columns gets the x in the chosen column only; an x a returned
    copy had in another of them is cleared."""
    main_is_choice = question.answer_kind == "choice"
    pairs = []
    for slot in question.slots:
        role, kind = slot.get("role"), slot.get("kind")
        marks = slot.get("mark_cells") or []
        if role == "answer" and marks and response.choice in slot.get("choices", []):
            chosen = slot["choices"].index(response.choice)
            pairs.append(({**slot, "cell": marks[chosen]}, "x"))
            # A returned copy may already carry an x elsewhere in the row: the new answer replaces it.
            previous = slot["choices"].index(slot["existing"]) if slot.get("existing") in slot["choices"] else chosen
            if previous != chosen:
                pairs.append(({**slot, "cell": marks[previous]}, ""))
            continue
        if role == "answer":
            value = response.choice if kind == "choice" else response.text
        elif role == "comment":
            # The long answer goes to the comment column only where the short one went into a dropdown.
            value = response.text if main_is_choice else ""
        else:
            value = ""  # ownership and other columns are left for people to fill in
        if value:
            pairs.append((slot, value))
    return pairs


def _exportable(questionnaire: Questionnaire, draft: bool):
    statuses = [ResponseStatus.APPROVED]
    if draft:
        statuses += [ResponseStatus.ACCEPTED, ResponseStatus.SUGGESTED]
    nda_covered = nda_covers(questionnaire.organisation)
    questions = questionnaire.questions.select_related("response__source_version__entry").order_by("order")
    kept, skipped = [], []
    for question in questions:
        response = getattr(question, "response", None)
        if response is None or response.status not in statuses:
            continue
        source = response.source_version
        refusal = leave_refusal(source, nda_covered=nda_covered) if source is not None else None
        if refusal:
            skipped.append(f"{question.ref}: {refusal.label}")
            continue
        kept.append((question, response))
    return kept, skipped


def questionnaire_export(questionnaire: Questionnaire, *, draft: bool = False) -> ExportedFile:
    """The customer's file with answers written in (or answers JSON for VSAQ)."""
    kept, skipped = _exportable(questionnaire, draft)
    original = _source(questionnaire)
    stem = PurePath(questionnaire.source_name).stem
    suffix = "-draft" if draft else "-answered"
    if questionnaire.format == "vsaq":
        answers = {}
        for question, response in kept:
            for slot, value in _values_for(question, response):
                answers[slot["cell"]] = value
        content = json.dumps(answers, indent=2, ensure_ascii=False).encode()
        return ExportedFile(f"{stem}{suffix}-answers.json", content, "application/json", len(answers), skipped)
    pairs = [(slot, value) for question, response in kept for slot, value in _values_for(question, response)]
    try:
        if questionnaire.format == "docx" or questionnaire.source_name.lower().endswith(".docx"):
            content = docx_write(original, [(slot["cell"], value) for slot, value in pairs])
            return ExportedFile(f"{stem}{suffix}.docx", content, DOCX_TYPE, len(pairs), skipped)
        if questionnaire.source_name.lower().endswith(".csv"):
            content = csv_write_cells(original, [(*_row_col(slot["cell"]), value) for slot, value in pairs])
            return ExportedFile(f"{stem}{suffix}.csv", content, "text/csv; charset=utf-8", len(pairs), skipped)
        writes = [CellWrite(sheet=slot["sheet"], cell=slot["cell"], value=value) for slot, value in pairs]
        content = xlsx_write_cells(original, writes)
    except WriteBackError as error:
        raise ExportError(f"The answers could not be written into the file: {error}") from error
    return ExportedFile(f"{stem}{suffix}.xlsx", content, XLSX_TYPE, len(pairs), skipped)


def mapping_preview(questionnaire: Questionnaire) -> dict:
    """Sheets and the first rows of a generic spreadsheet, for choosing its columns."""
    from .formats import preview_rows

    return preview_rows(questionnaire.source_name, _source(questionnaire))


def mapping_proposal(questionnaire: Questionnaire) -> list:
    """The mappings to start the mapping page from: the confirmed ones, else those the import proposed, else a
    fresh detection."""
    from .formats import detect_layout, mappings_from_json

    stored = questionnaire.mapping or (questionnaire.import_summary or {}).get("proposed")
    if stored:
        return mappings_from_json(stored)
    detection = detect_layout(questionnaire.source_name, _source(questionnaire))
    return detection.mappings if detection else []


def mapping_reading(questionnaire: Questionnaire, mappings: list) -> dict:
    """How the file reads through `mappings` (see `formats.reading_preview`)."""
    from .formats import reading_preview

    return reading_preview(questionnaire.source_name, _source(questionnaire), mappings)


def _source(questionnaire: Questionnaire) -> bytes:
    with questionnaire.source_file.open("rb") as handle:
        return handle.read()
