"""Logging filters named by settings.LOGGING."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A refused or missing page (4xx) is the client's doing: one line, not the traceback of the raise."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
