"""The importer on the real questionnaires and on every layout variant generated from them: it reads exactly the
questions a person reads (bench/extraction_truth.py), or it stops at the mapping page because it is not confident.
A confident import of the wrong questions is never acceptable.

The real files are licensed fixtures kept outside the repository (../shared/questionnaires, or
TRUSTPACK_SHARED_DIR); these tests skip, saying so, when a file is absent. Each variant holds an evenly spread
subset of the file's questions to keep the module quick; `make bench` measures the full files.
"""

import functools
import io
import re
import zipfile
from collections import Counter

import pytest

from bench.autofill import shared_dir
from bench.extraction_truth import SPECS, FileSpec, normalise, truth_questions
from fileformats import FileRejected
from questionnaires.formats import parse_questionnaire
from tests.questionnaires.variants import LAYOUTS, layout, subset

QUESTIONNAIRES = shared_dir() / "questionnaires"
QUESTIONS_PER_VARIANT = 60
README_REF = {  # the ref shapes ../shared/bench/README.md states ("How questions are identified")
    "xlsx": re.compile(r"^([A-Z]{4}-\d{2}|[A-Z&]{2,4}-\d{2}\.\d+)$"),
    "vsaq": re.compile(r"^@?[a-z0-9_]+$"),
}


def _short(spec: FileSpec) -> str:
    return spec.label_source or re.sub(r"[^A-Za-z0-9.]+", "-", spec.filename.rsplit(".", 1)[0])[:40]


def _present(spec: FileSpec) -> FileSpec:
    if not (QUESTIONNAIRES / spec.filename).is_file():
        pytest.skip(
            f"{QUESTIONNAIRES / spec.filename} is absent: the real questionnaires are licensed fixtures kept outside"
            " the repository (set TRUSTPACK_SHARED_DIR to the shared folder)"
        )
    return spec


@functools.cache
def _truth(filename: str) -> list[tuple[str, str, str]]:
    return [(q.ref, q.text, q.section) for q in truth_questions(QUESTIONNAIRES / filename)]


def _assert_exact_or_unsure(filename: str, data: bytes, expected: list[tuple[str, str]]) -> None:
    try:
        parsed = parse_questionnaire(filename, data)
    except FileRejected as error:
        pytest.fail(f"refused instead of reading the questions or stopping at the mapping page: {error}")
    if not parsed.confident:
        return  # stops at the mapping page: a person confirms the columns; not a wrong import
    got = Counter((q.ref, normalise(q.text)) for q in parsed.questions)
    want = Counter((ref, normalise(text)) for ref, text in expected)
    extra, missing = list((got - want).elements()), list((want - got).elements())
    assert not extra and not missing, (
        f"confident ({parsed.confidence:.2f}) import is wrong: {len(extra)} of {sum(got.values())} extracted pairs"
        f" are not questions of the file (e.g. {[(r, t[:40]) for r, t in extra[:2]]}), {len(missing)} of"
        f" {len(expected)} questions missing (e.g. {[r for r, _ in missing[:3]]})"
    )


@pytest.mark.parametrize("spec", SPECS, ids=_short)
def test_ground_truth_reader_yields_the_counted_questions(spec):
    _present(spec)
    questions = _truth(spec.filename)
    refs = [ref for ref, _, _ in questions]
    assert len(questions) == spec.count
    assert len(set(refs)) == len(refs)
    assert all(README_REF[spec.kind].match(ref) for ref in refs), [
        r for r in refs if not README_REF[spec.kind].match(r)
    ]
    assert all(text and text == normalise(text) for _, text, _ in questions)


@pytest.mark.parametrize("spec", SPECS, ids=_short)
def test_real_file_is_read_exactly_or_stops_at_mapping_page(spec):
    _present(spec)
    data = (QUESTIONNAIRES / spec.filename).read_bytes()
    _assert_exact_or_unsure(spec.filename, data, [(ref, text) for ref, text, _ in _truth(spec.filename)])


@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("spec", SPECS, ids=_short)
def test_variant_is_read_exactly_or_stops_at_mapping_page(spec, name):
    _present(spec)
    questions = subset(_truth(spec.filename), QUESTIONS_PER_VARIANT)
    variant = layout(name, questions, stem=_short(spec))
    if variant.skipped:
        pytest.skip(variant.skipped)
    _assert_exact_or_unsure(variant.filename, variant.data, list(variant.expected))


def test_variants_are_reproducible_and_keep_every_question():
    questions = [
        (f"ABCD-{n:02d}", f"Do you review control number {n} every year?", f"Domain {n // 5}") for n in range(12)
    ]
    for name in LAYOUTS:
        first, again = layout(name, questions), layout(name, questions)
        assert first.expected == tuple((ref, text) for ref, text, _ in questions)
        assert _contents(first.data) == _contents(again.data), name


def _contents(data: bytes) -> dict[str, bytes] | bytes:
    """The archive's parts (xlsx, docx) without the save time in their document properties, or the bytes."""
    if not data.startswith(b"PK"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}
