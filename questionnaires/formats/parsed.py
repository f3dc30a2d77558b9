"""The shapes every format parser returns, and the one error they raise.

Extensions beyond the agreed shape (all optional, with defaults, so callers that ignore them keep working):
- `AnswerSlot.existing`: the value already in that slot's cell (filled files), "" when blank or placeholder.
- `AnswerSlot.choice_labels`: display text for each entry of `choices` when the stored value is a code
  (VSAQ choice ids); [] when `choices` are already what a person reads.
- `AnswerSlot.mark_cells`: for "mark with an x" layouts (CAIQ v3 Yes/No/NA columns): the cell to mark for
  each entry of `choices`, same order; the writer puts "x" in one and clears the others. [] otherwise.
- `ParsedQuestionnaire.layout_signature`: filled by `parse_with_layout` only (see `layout_signature`), else "".
- `ParsedQuestionnaire.mappings`: the generic reader's mapping for every tab it read questions from (`mapping` is
  the first of them); [] for the fixed formats.
- `ParsedQuestionnaire.confidence` (0 to 1) and `doubts`: how sure detection is that it read the right columns,
  and why not when it is unsure. `confident` is False when the import must stop at the mapping page instead.
- `ParsedQuestionnaire.sheets`: what was read, per tab (or table): questions, rows skipped and why.
"""

from dataclasses import dataclass, field

from fileformats import FileRejected


class QuestionnaireFileError(FileRejected):
    """A file we refuse, with a message fit to show the user (size, macros, external links, zip bomb, malformed,
    unsupported)."""


@dataclass
class AnswerSlot:
    role: str
    sheet: str
    cell: str
    kind: str
    choices: list[str] = field(default_factory=list)
    existing: str = ""
    choice_labels: list[str] = field(default_factory=list)
    mark_cells: list[str] = field(default_factory=list)


@dataclass
class ParsedQuestion:
    ref: str
    text: str
    section: str
    order: int
    slots: list[AnswerSlot]
    existing_answer: str = ""

    @property
    def answer_slot(self) -> AnswerSlot | None:
        """The main answer slot (first slot with role "answer"), or None when the question has none."""
        return next((slot for slot in self.slots if slot.role == "answer"), None)


@dataclass
class ColumnMapping:
    sheet: str
    header_row: int
    id_column: str | None
    question_column: str
    answer_column: str
    comment_column: str | None = None
    # "Mark with an x" layouts: the Yes / No / N/A columns in order (answer_column is then the first of them).
    mark_columns: list[str] = field(default_factory=list)


# One questionnaire's questions at most, whatever its format: a review page, auto-fill and write-back stay usable.
MAX_QUESTIONS = 5_000

CONFIDENT = 0.6  # below this, an import stops at the mapping page with a preview instead of importing a guess


@dataclass
class SheetSummary:
    """What the reader did with one tab (or Word table): questions taken, rows skipped by reason, or why the whole
    tab was skipped (`skipped_because`, e.g. "instructions tab", "hidden", "no question column")."""

    sheet: str
    questions: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_because: str = ""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass
class ParsedQuestionnaire:
    format: str
    format_label: str
    questions: list[ParsedQuestion]
    mapping: ColumnMapping | None = None
    warnings: list[str] = field(default_factory=list)
    layout_signature: str = ""
    mappings: list[ColumnMapping] = field(default_factory=list)
    confidence: float = 1.0
    doubts: list[str] = field(default_factory=list)
    sheets: list[SheetSummary] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        """True when the reading can be imported without a person confirming the columns first."""
        return self.confidence >= CONFIDENT
