"""Reading and writing the spreadsheets people send us: safety checks, CSV dialects, formula-safe cells.

Foundation code: it knows nothing of questionnaires or the library, so every app that opens or writes a
spreadsheet uses the same checks and the same conventions.
"""


class FileRejected(ValueError):
    """A file Trustpack will not read; the message is written for the person who uploaded it."""
