"""Auto-fill matching: propose the best approved library entry for a questionnaire question, or abstain.

Pure Python and self-contained (no Django, no models), so the app, the import task and the benchmark
share one engine: build a `MatchIndex` from approved entries and reviewers' feedback, then ask it.
"""

from questionnaires.matching.index import (
    ABSTAIN_THRESHOLD,
    Feedback,
    IndexedEntry,
    MatchIndex,
    Suggestion,
    confidence_percent,
)

__all__ = ["ABSTAIN_THRESHOLD", "Feedback", "IndexedEntry", "MatchIndex", "Suggestion", "confidence_percent"]
