"""What Trustpack accepts as an upload: one list of kinds, each with its types and its size cap.

Every upload form and service checks a file here first (`upload_check`), so the limits a person reads in
a form's help text are the limits enforced, and a new kind of upload is one more line in KINDS.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath

from . import FileRejected

MB = 1024 * 1024
XLSX_EXTENSIONS = (".xlsx", ".xltx")
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam", ".xlsb")
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
JSON_EXTENSIONS = (".json",)
PDF_EXTENSIONS = (".pdf",)
MAX_JSON_BYTES = 5 * MB


@dataclass(frozen=True)
class UploadKind:
    name: str  # what the person is uploading, as a message names it
    extensions: tuple[str, ...]
    max_bytes: int
    hint: str  # what to upload instead, said when the type is wrong

    @property
    def max_mb(self) -> int:
        return self.max_bytes // MB


QUESTIONNAIRE = UploadKind(
    "questionnaire",
    XLSX_EXTENSIONS + CSV_EXTENSIONS + JSON_EXTENSIONS,
    20 * MB,
    "Excel workbooks (.xlsx), CSV files (.csv) and VSAQ questionnaires (.json)",
)
LIBRARY_FILE = UploadKind("library file", (".csv", ".xlsx"), 5 * MB, "a .csv or .xlsx file")
SIGNED_PDF = UploadKind("package PDF", PDF_EXTENSIONS, 20 * MB, "the signed PDF you received")
LEAKED_COPY = UploadKind(
    "leaked copy", (*PDF_EXTENSIONS, ".png", ".jpg", ".jpeg"), 20 * MB, "the PDF or image that was found"
)
KINDS = (QUESTIONNAIRE, LIBRARY_FILE, SIGNED_PDF, LEAKED_COPY)


def extension(filename: str) -> str:
    """The file's lower-case extension with its dot ("" when it has none)."""
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def upload_check(kind: UploadKind, filename: str, data: bytes) -> str:
    """Refuses a file that is empty, too large or of a type `kind` never takes, with a message that says what
    to do instead; returns the lower-case extension. Content checks follow in the reader for that type."""
    ext = extension(filename)
    if len(data) > kind.max_bytes:
        raise FileRejected(
            f"The file is larger than the {kind.max_mb} MB a {kind.name} may be ({len(data) / MB:.1f} MB)."
        )
    if not data:
        raise FileRejected("The file is empty.")
    if ext in MACRO_EXTENSIONS and ext not in kind.extensions:
        raise FileRejected(
            f"Macro-enabled or binary workbooks ({ext}) are not accepted. "
            "Save the file as an Excel Workbook (.xlsx) and upload it again."
        )
    if ext == ".xls" and ext not in kind.extensions:
        raise FileRejected(
            "The old Excel format (.xls) is not supported. "
            "Save the file as an Excel Workbook (.xlsx) and upload it again."
        )
    if ext in JSON_EXTENSIONS and len(data) > MAX_JSON_BYTES:
        raise FileRejected(f"The JSON file is {len(data) / MB:.1f} MB; the limit is {MAX_JSON_BYTES // MB} MB.")
    if ext not in kind.extensions:
        raise FileRejected(f"Files of type {ext or '(no extension)'} are not accepted here: upload {kind.hint}.")
    return ext
