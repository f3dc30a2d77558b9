"""Writing answers into the customer's own file, changing nothing else: .xlsx and .csv (`xlsx`), Word (`docx`).
Every writer refuses with WriteBackError before anything is written."""

from .docx import docx_write
from .package import WriteBackError
from .xlsx import CellWrite, csv_write_cells, xlsx_write_cells

__all__ = ["CellWrite", "WriteBackError", "csv_write_cells", "docx_write", "xlsx_write_cells"]
