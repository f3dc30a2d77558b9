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
DOCX_EXTENSIONS = (".docx",)
WORD_MACRO_EXTENSIONS = (".docm", ".dotm")
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
JSON_EXTENSIONS = (".json",)
PDF_EXTENSIONS = (".pdf",)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
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
    XLSX_EXTENSIONS + DOCX_EXTENSIONS + CSV_EXTENSIONS + JSON_EXTENSIONS,
    20 * MB,
    "Excel workbooks (.xlsx), Word documents (.docx), CSV files (.csv) and VSAQ questionnaires (.json)",
)
LIBRARY_FILE = UploadKind("library file", (".csv", ".xlsx"), 5 * MB, "a .csv or .xlsx file")
SIGNED_PDF = UploadKind("package PDF", PDF_EXTENSIONS, 20 * MB, "the signed PDF you received")
# Evidence is checked further by its content (`sniff.content_type_check`, `pdfcheck.pdf_active_content_check`).
EVIDENCE = UploadKind("evidence document", PDF_EXTENSIONS + IMAGE_EXTENSIONS, 25 * MB, "a PDF, PNG or JPEG file")
LEAKED_COPY = UploadKind("leaked copy", PDF_EXTENSIONS + IMAGE_EXTENSIONS, 25 * MB, "the PDF or image that was found")
KINDS = (QUESTIONNAIRE, LIBRARY_FILE, SIGNED_PDF, EVIDENCE, LEAKED_COPY)


def extension(filename: str) -> str:
    """The file's lower-case extension with its dot ("" when it has none)."""
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def display_name(filename: str, *, default: str = "document") -> str:
    """The uploader's file name fit to show and to offer in a download: its last path part only (either
    slash), without control or quoting characters, at most 200 characters. Never used as a path."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|*?:')
    name = name.strip(" .") or default
    if len(name) > 200:
        ext = extension(name)[:10]
        name = name[: 200 - len(ext)] + ext
    return name


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
    if ext in WORD_MACRO_EXTENSIONS and ext not in kind.extensions:
        raise FileRejected(
            f"Macro-enabled Word documents ({ext}) are not accepted. "
            "Save the file as a Word Document (.docx) and upload it again."
        )
    if ext == ".doc" and ext not in kind.extensions:
        raise FileRejected(
            "The old Word format (.doc) is not supported. Save the file as a Word Document (.docx) and upload it again."
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
