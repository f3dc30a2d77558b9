"""Ground truth for the questionnaire importer: how a person reads each file in ../shared/questionnaires.

Each file has a small spec written by looking at the workbook (sheet names, ID column, question column, ID
pattern, question count). `truth_questions` applies it with a reader that shares no code with the importer
(openpyxl cached values for workbooks, a comment-tolerant JSON load for VSAQ), so the benchmark measures the
importer against an independent reading. No question text is stored here: it is read from the shared files at
run time (their licences forbid copying it into this repository).

Conventions (those of ../shared/bench/README.md, "How questions are identified"):
- a spreadsheet question is a row of an input sheet whose ID cell matches the ID pattern; its text is the cached
  value of the question cell, whitespace collapsed; an ID seen on an earlier input tab is the same question
  mirrored by a formula (HECVAT 4) and counts once, where it first appears;
- a VSAQ question is an item of type radiogroup, checkgroup, line or box with non-empty text; its ref is the item's
  `id`, or `@` + the id of its first choice; its text is what a browser shows (tags dropped, entities decoded).
"""

import html
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HECVAT_ID = r"^[A-Z]{4}-\d{2}$"
HEADING_MAX = 45  # a section heading is a short line; longer ones in the ID column are notes
CAIQ_V4_ID = r"^[A-Z&]{2,4}-\d{2}\.\d+$"


@dataclass(frozen=True)
class SheetSpec:
    """Which tabs hold the questions and in which columns (letters)."""

    sheets: tuple[str, ...]
    id_column: str
    question_column: str
    id_pattern: str
    # a marker some templates append to a question that is not part of its text (HECVAT 4: "* Denotes critical
    # questions"), dropped from the end of the question cell
    marker: str = field(default="", kw_only=True)
    # where a question's section comes from: "column:<letter>" (value forward-filled down the sheet, as the
    # merged CAIQ domain cells are) or "headings" (the last short line in the ID column with nothing beside it)
    section: str = field(default="headings", kw_only=True)


@dataclass(frozen=True)
class FileSpec:
    filename: str
    kind: str  # "xlsx" or "vsaq"
    count: int  # questions a person counts in the file
    sheet: SheetSpec | None = None
    label_source: str = ""  # the source name in ../shared/bench/dev_labels.csv, when the file is labelled


@dataclass(frozen=True)
class TruthQuestion:
    ref: str
    text: str
    section: str


CAIQ_V4 = SheetSpec(("CAIQv4.0.3",), "A", "B", CAIQ_V4_ID, section="column:L")
HECVAT_306 = SheetSpec(("HECVAT - Full | Vendor Response",), "A", "B", HECVAT_ID)
HECVAT_304_LITE = SheetSpec(("HECVAT - Lite | Vendor Response",), "A", "B", HECVAT_ID)
# The eight tabs a solution provider fills in; the evaluation, reference and hidden tabs repeat IDs for analysts.
HECVAT_414 = SheetSpec(
    ("START HERE", "Organization", "Product", "Infrastructure", "IT Accessibility", "Case-Specific", "AI", "Privacy"),
    "A",
    "B",
    HECVAT_ID,
    marker="*",
)

SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx", "xlsx", 261, CAIQ_V4, "caiq-v4.0.3"
    ),
    FileSpec("Instructure_CAIQ-v4.0.3_filled.xlsx", "xlsx", 261, CAIQ_V4),
    FileSpec("HECVAT-Full-v3.06_blank.xlsx", "xlsx", 255, HECVAT_306, "hecvat-3.06"),
    FileSpec("Instructure_Canvas-LMS_HECVAT-Full-v3.04_filled.xlsx", "xlsx", 255, HECVAT_306),
    FileSpec("Instructure_Canvas-Catalog_HECVAT-Lite-v3.04_filled.xlsx", "xlsx", 94, HECVAT_304_LITE),
    FileSpec("HECVAT-v4.1.4_blank.xlsx", "xlsx", 331, HECVAT_414),
    FileSpec("vsaq_infrastructure.json", "vsaq", 95, label_source="vsaq-infrastructure"),
    FileSpec("vsaq_physical_and_datacenter.json", "vsaq", 29, label_source="vsaq-physical_and_datacenter"),
    FileSpec("vsaq_security_privacy_programs.json", "vsaq", 45, label_source="vsaq-security_privacy_programs"),
    FileSpec("vsaq_webapp.json", "vsaq", 73, label_source="vsaq-webapp"),
)
SPEC_BY_FILE = {spec.filename: spec for spec in SPECS}


def normalise(text: str) -> str:
    """Question text as compared: whitespace runs collapsed, ends trimmed."""
    return " ".join(str(text).split())


def truth_questions(path: Path, spec: FileSpec | None = None) -> list[TruthQuestion]:
    """The questions of one shared file, in reading order, as the spec says a person reads them."""
    spec = spec or SPEC_BY_FILE[path.name]
    if spec.kind == "vsaq":
        return _vsaq_questions(path.read_text(encoding="utf-8-sig"))
    return _sheet_questions(path, spec.sheet)


def _sheet_questions(path: Path, spec: SheetSpec) -> list[TruthQuestion]:
    import openpyxl
    from openpyxl.utils.cell import column_index_from_string

    pattern = re.compile(spec.id_pattern)
    id_col = column_index_from_string(spec.id_column) - 1
    question_col = column_index_from_string(spec.question_column) - 1
    section_col = (
        column_index_from_string(spec.section.split(":", 1)[1]) - 1 if spec.section.startswith("column:") else None
    )
    out: list[TruthQuestion] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl names the Excel extensions it does not read (read-only: lazily)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            _read_rows(workbook, spec, pattern, (id_col, question_col, section_col), out)
        finally:
            workbook.close()
    return out


def _read_rows(workbook, spec: SheetSpec, pattern: re.Pattern, columns: tuple, out: list[TruthQuestion]) -> None:
    id_col, question_col, section_col = columns
    width = max(id_col, question_col, section_col or 0) + 1
    seen: set[str] = set()
    for name in spec.sheets:
        section = ""
        sheet = workbook[name]
        sheet.reset_dimensions()  # some files state a too-small used range; read every stored cell
        for row in sheet.iter_rows(values_only=True):
            cells = [normalise(value) if value is not None else "" for value in row]
            cells += [""] * (width - len(cells))
            ref = cells[id_col]
            if section_col is not None and cells[section_col]:
                section = cells[section_col]
            if not pattern.match(ref):
                if section_col is None and ref and not cells[question_col] and len(ref) <= HEADING_MAX:
                    section = ref
                continue
            if ref not in seen:  # a mirrored row (HECVAT 4 repeats IDs on later tabs by formula) counts once
                seen.add(ref)
                text = cells[question_col]
                if spec.marker and text.endswith(spec.marker):
                    text = text[: -len(spec.marker)].rstrip()
                out.append(TruthQuestion(ref, text, section or ref.split("-")[0]))


_TAG = re.compile(r"<[^>]*>")
QUESTION_TYPES = ("radiogroup", "checkgroup", "line", "box")


def _loose_json(text: str):
    """VSAQ files are JavaScript-flavoured JSON: whole-line `//` comments and `"a" +` string joins at line ends."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return json.loads(re.sub(r'"\s*\+\s*\n\s*"', "", "\n".join(lines)))


def _vsaq_questions(text: str) -> list[TruthQuestion]:
    out: list[TruthQuestion] = []

    def shown(value) -> str:
        return normalise(html.unescape(_TAG.sub(" ", value))) if isinstance(value, str) else ""

    def walk(node, section: str) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child, section)
            return
        if not isinstance(node, dict):
            return
        words = shown(node.get("text"))
        if node.get("type") in QUESTION_TYPES and words:
            ref = node.get("id") or ""
            if not ref and node.get("choices"):
                ref = "@" + next(iter(node["choices"][0]))
            out.append(TruthQuestion(ref, words, section))
        walk(node.get("items", []), words if node.get("type") == "block" and words else section)

    walk(_loose_json(text)["questionnaire"], "")
    return out
