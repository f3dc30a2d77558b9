"""The shapes every format parser returns, and the one error they raise.

Extensions beyond the agreed shape (all optional, with defaults, so callers that ignore them keep working):
- `AnswerSlot.existing`: the value already in that slot's cell (filled files), "" when blank or placeholder.
- `AnswerSlot.choice_labels`: display text for each entry of `choices` when the stored value is a code
  (VSAQ choice ids); [] when `choices` are already what a person reads.
- `AnswerSlot.mark_cells`: for "mark with an x" layouts (CAIQ v3 Yes/No/NA columns): the cell to mark for
  each entry of `choices`, same order; the writer puts "x" in one and clears the others. [] otherwise.
- `ParsedQuestionnaire.layout_signature`: filled by `parse_with_layout` only (see `layout_signature`), else "".
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


@dataclass
class ParsedQuestionnaire:
    format: str
    format_label: str
    questions: list[ParsedQuestion]
    mapping: ColumnMapping | None = None
    warnings: list[str] = field(default_factory=list)
    layout_signature: str = ""
