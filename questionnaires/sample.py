"""The demo questionnaire shipped with Trustpack."""

import csv
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"
SAMPLE_QUESTIONNAIRE = CONTENT_DIR / "sample_questionnaire.csv"
SAMPLE_QUESTIONNAIRE_NAME = "Acme Manufacturing - supplier security questionnaire.xlsx"


def sample_questionnaire_xlsx() -> bytes:
    """A customer-style questionnaire workbook (Yes/No/N/A dropdown and a comments column) for the demo."""
    import io

    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    with SAMPLE_QUESTIONNAIRE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Supplier questionnaire"
    sheet.append(["ID", "Section", "Question", "Answer", "Comments"])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3A5F")
    for row in rows:
        sheet.append([row["id"], row["section"], row["question"], None, None])
    for column, width in zip("ABCDE", (14, 16, 70, 12, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    answers = DataValidation(type="list", formula1='"Yes,No,N/A"', allow_blank=True)
    answers.add(f"D2:D{len(rows) + 1}")
    sheet.add_data_validation(answers)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
