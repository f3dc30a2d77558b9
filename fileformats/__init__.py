"""Files people send us and files we send them: which uploads are accepted, the safety checks before any
parser reads them, CSV dialects, and cells a spreadsheet program will never evaluate.

Foundation code: it knows nothing of questionnaires, the library or packages, so every app that accepts,
opens or writes such a file uses the same checks and the same conventions.
"""


class FileRejected(ValueError):
    """A file Trustpack will not read; the message is written for the person who uploaded it."""
