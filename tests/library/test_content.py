"""The shipped Particle answer library: loads cleanly through the normal import, and says nothing
about Particle that the fact sheet marks unverified."""

import re

import pytest
from django.core.management import call_command

from library.content import FIGURE_KEYS, PARTICLE_LIBRARY, firewall_allowlist
from library.file_format import parse_library_file
from library.models import LibraryEntry, VersionStatus

# Claims the fact sheet lists as not found or uncertain; the library must not make them.
UNVERIFIED_CLAIMS = [
    r"particle[^.]*\b(soc ?2|iso ?27001)\b[^.]*\b(certif|attest|report)",
    r"particle[^.]*\b(aws|amazon|us-east)",
    r"\bfirmware[^.]*\b(is|are)\s+(cryptographically\s+)?signed\b",
    r"\bcode[- ]sign(ed|ing)\b(?![^.]*\b(no|not|does not|doesn't)\b)",
    r"webhook[^.]*\bfrom (the following|these|fixed) (ip|addresses)",
    r"\bevents? (are|is) (stored|retained|kept) for \d+",
    r"\bprivate apn\b(?![^.]*\b(not|no)\b)",
]


@pytest.fixture(scope="module")
def parsed():
    return parse_library_file(PARTICLE_LIBRARY.name, PARTICLE_LIBRARY.read_bytes())


def test_shipped_library_parses_without_errors(parsed):
    assert parsed.errors == []
    assert len(parsed.rows) >= 60


def test_every_entry_names_its_sources(parsed):
    assert [row.key for row in parsed.rows if not row.sources.strip()] == []


@pytest.mark.parametrize("pattern", UNVERIFIED_CLAIMS)
def test_no_unverified_particle_claims(parsed, pattern):
    offending = [row.key for row in parsed.rows if re.search(pattern, f"{row.question} {row.answer}", re.IGNORECASE)]
    assert offending == [], f"{pattern!r} matched {offending}"


def test_in_depth_topics_are_covered(parsed):
    keys = {row.key for row in parsed.rows}
    assert set(FIGURE_KEYS) <= keys
    text = " ".join(row.answer for row in parsed.rows)
    for needle in ("Particle.publish()", "5684", "5683", "udp.particle.io", "api.particle.io", "NDA", "SCIM"):
        assert needle in text, needle
    classifications = {row.classification for row in parsed.rows}
    assert classifications == {"public", "nda", "internal"}


def test_allowlist_rows_are_complete():
    rows = firewall_allowlist()
    assert rows and all(row["host"] and row["protocol"] and row["port"] for row in rows)
    assert any(row["host"].endswith("udp.particle.io") and row["port"] == "5684" for row in rows)


@pytest.mark.django_db
def test_seed_demo_loads_the_library_approved_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "demo package" not in first or first.strip().splitlines()[-1].startswith("demo package:")
    approved = LibraryEntry.objects.filter(approved_version__status=VersionStatus.APPROVED).count()
    assert approved >= 60
    for key, figure in FIGURE_KEYS.items():
        assert LibraryEntry.objects.get(key=key).figure == figure
    call_command("seed_demo")
    assert "0 new" in capsys.readouterr().out
    assert LibraryEntry.objects.filter(approved_version__status=VersionStatus.APPROVED).count() == approved


@pytest.mark.django_db
def test_seed_demo_users_only_creates_users_alone():
    call_command("seed_demo", "--users-only")
    assert not LibraryEntry.objects.exists()
