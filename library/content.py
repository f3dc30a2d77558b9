"""The shipped Particle answer content: the library seed, the firewall allow-list and figure mapping."""

import csv
from functools import lru_cache
from pathlib import Path

from .models import Figure

CONTENT_DIR = Path(__file__).resolve().parent / "content"
PARTICLE_LIBRARY = CONTENT_DIR / "particle_library.csv"
FIREWALL_ALLOWLIST = CONTENT_DIR / "firewall_allowlist.csv"

# Entries that carry a figure, by key.
FIGURE_KEYS = {
    "particle-publish-data-path": Figure.PUBLISH_DATA_PATH,
    "particle-firewall-rules": Figure.FIREWALL_ALLOWLIST,
}


@lru_cache(maxsize=1)
def firewall_allowlist() -> tuple[dict[str, str], ...]:
    """Rows of the allow-list table: host, protocol, port, direction, used_by, purpose, source."""
    with FIREWALL_ALLOWLIST.open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))
