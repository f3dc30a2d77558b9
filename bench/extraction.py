"""Questionnaire extraction accuracy: the importer against a person's reading of each shared file and of every
layout variant generated from it (tests/questionnaires/variants.py).

Per file: precision and recall of the extracted (ref, question text) pairs against the truth, with refs and texts
also scored apart (texts compared after collapsing whitespace); whether the import stopped as unsure (it then goes
to the mapping page: not counted as wrong, not as right either); and the import time against a bare openpyxl read
of the same bytes in the same run.
A confident import below 100% precision is a *silent wrong import*: questions the person never sees are made up
or mangled without anyone being asked. A confident import at 100% precision that misses questions is counted too
(*silently incomplete*).
Targets: every shared file read exactly; at least 98% of the variants read exactly; no silent wrong import.
"""

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.autofill import shared_dir
from bench.extraction_truth import SPECS, normalise, truth_questions
from bench.imports import _bare_read, _best_of

TARGET_SHARED = 1.0
TARGET_VARIANTS = 0.98
OUTCOMES = {
    "ok": "read exactly",
    "unsure": "stopped at the mapping page (not confident)",
    "wrong": "SILENT WRONG IMPORT (confident, precision below 100%)",
    "partial": "silently incomplete (confident, every pair right, some missing)",
    "refused": "refused with an error message",
    "error": "crashed",
    "skipped": "variant not generated here",
}


@dataclass
class Measure:
    name: str
    layout: str
    expected: int
    extracted: int = 0
    ref_precision: float = 0.0
    ref_recall: float = 0.0
    text_precision: float = 0.0
    text_recall: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    confidence: float = 0.0
    outcome: str = "skipped"
    detail: str = ""
    seconds: float = float("nan")
    bare_seconds: float = float("nan")


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def _overlap(got: list, want: list) -> int:
    return sum((Counter(got) & Counter(want)).values())


def measure(name: str, layout: str, filename: str, data: bytes, expected: list[tuple[str, str]]) -> Measure:
    """Import `data` once with the app's importer and score it against `expected` (ref, text) pairs."""
    from fileformats import FileRejected
    from questionnaires.formats import parse_questionnaire

    want = [(ref, normalise(text)) for ref, text in expected]
    result = Measure(name, layout, len(want))
    try:
        parsed = parse_questionnaire(filename, data)
    except FileRejected as error:  # QuestionnaireFileError included
        result.outcome, result.detail = "refused", str(error)
        return result
    except Exception as error:  # a crash is a finding to print, not a reason to stop the bench
        result.outcome, result.detail = "error", f"{type(error).__name__}: {error}"
        return result
    got = [(q.ref, normalise(q.text)) for q in parsed.questions]
    result.extracted = len(got)
    result.confidence = parsed.confidence
    result.ref_precision = _ratio(_overlap([r for r, _ in got], [r for r, _ in want]), len(got))
    result.ref_recall = _ratio(_overlap([r for r, _ in got], [r for r, _ in want]), len(want))
    result.text_precision = _ratio(_overlap([t for _, t in got], [t for _, t in want]), len(got))
    result.text_recall = _ratio(_overlap([t for _, t in got], [t for _, t in want]), len(want))
    hits = _overlap(got, want)
    result.precision, result.recall = _ratio(hits, len(got)), _ratio(hits, len(want))
    if not parsed.confident:
        result.outcome, result.detail = "unsure", "; ".join(parsed.doubts)
    elif result.precision < 1:
        result.outcome = "wrong"
        result.detail = _first_wrong(got, want)
    elif result.recall < 1:
        result.outcome = "partial"
        missing = [ref for ref, _ in want if ref not in {r for r, _ in got}]
        result.detail = f"{len(missing)} missing, e.g. {', '.join(missing[:3])}"
    else:
        result.outcome = "ok"
    return result


def _first_wrong(got: list[tuple[str, str]], want: list[tuple[str, str]]) -> str:
    truth = dict(want)
    extra = [(ref, text) for ref, text in got if truth.get(ref) != text]
    made_up = sum(ref not in truth for ref, _ in extra)
    ref, text = extra[0]
    example = f"{ref!r}: {text[:50]!r}" + ("" if ref not in truth else f" (expected {truth[ref][:30]!r}...)")
    return f"{len(extra)} wrong pairs ({made_up} with refs not in the file's questions), e.g. {example}"


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


def _secs(value: float) -> str:
    return f"{'n/a':>7}" if value != value else f"{value:7.3f}"  # NaN: no comparable bare read


def _line(row: Measure) -> str:
    ratio = row.seconds / row.bare_seconds if row.bare_seconds == row.bare_seconds and row.bare_seconds else None
    scores = " ".join(_pct(value) for value in (row.ref_precision, row.ref_recall, row.text_precision, row.text_recall))
    return (
        f"  {row.layout[:28]:28} {row.expected:4d} {row.extracted:4d} | {scores} |"
        f" {_pct(row.precision)} {_pct(row.recall)} {row.confidence:5.2f} {row.outcome:8} |"
        f" {_secs(row.seconds)} {_secs(row.bare_seconds)} {f'{ratio:6.2f}' if ratio else '   n/a'}  {row.detail[:90]}"
    )


HEADER = (
    f"  {'layout':28} {'want':>4} {'got':>4} | {'ref P':>6} {'ref R':>6} {'text P':>6} {'text R':>6} |"
    f" {'P':>6} {'R':>6} {'conf':>5} {'outcome':8} | {'parse s':>7} {'bare s':>7} {'ratio':>6}"
)


def _timed(name: str, layout: str, filename: str, data: bytes, expected, runs: int) -> Measure:
    row = measure(name, layout, filename, data, expected)
    if row.outcome in ("refused", "error", "skipped"):
        return row
    from questionnaires.formats import parse_questionnaire

    row.seconds = _best_of(runs, lambda: parse_questionnaire(filename, data))
    if filename.endswith((".xlsx", ".csv")):  # what `_bare_read` can read; for JSON it only decodes, no comparison
        row.bare_seconds = _best_of(runs, lambda: _bare_read(filename, data))
    return row


def run() -> None:
    from tests.questionnaires.variants import generate

    folder = shared_dir() / "questionnaires"
    present = [spec for spec in SPECS if (folder / spec.filename).is_file()]
    if not present:
        print(f"extraction: skipped, no questionnaire files at {folder} (set TRUSTPACK_SHARED_DIR)")
        return
    print(HEADER)
    print(
        "  (P/R: (ref, text) pairs against the truth; ref/text: each alone; conf: the importer's confidence;"
        " parse s against a bare openpyxl read of the same bytes)"
    )
    shared_rows: list[Measure] = []
    variant_rows: list[Measure] = []
    started = time.perf_counter()
    for spec in present:
        path: Path = folder / spec.filename
        truth = truth_questions(path, spec)
        expected = [(q.ref, q.text) for q in truth]
        print(f"{spec.filename}  ({len(truth)} questions; spec says {spec.count})")
        row = _timed(spec.filename, "(original file)", spec.filename, path.read_bytes(), expected, runs=3)
        shared_rows.append(row)
        print(_line(row))
        stem = spec.filename.rsplit(".", 1)[0]
        for variant in generate([(q.ref, q.text, q.section) for q in truth], stem=stem):
            if variant.skipped:
                row = Measure(spec.filename, variant.layout, len(variant.expected), detail=variant.skipped)
            else:
                row = _timed(spec.filename, variant.layout, variant.filename, variant.data, variant.expected, runs=1)
            variant_rows.append(row)
            print(_line(row))
    _summary(shared_rows, variant_rows)
    print(f"  (extraction bench took {time.perf_counter() - started:.1f} s)")


def _summary(shared_rows: list[Measure], variant_rows: list[Measure]) -> None:
    by_layout: dict[str, Counter] = defaultdict(Counter)
    for row in variant_rows:
        by_layout[row.layout][row.outcome] += 1
    print("per layout (outcome counts over the shared files):")
    for layout, counts in by_layout.items():
        print(f"  {layout:28} " + ", ".join(f"{counts[key]} {key}" for key in OUTCOMES if counts[key]))
    generated = [row for row in variant_rows if row.outcome != "skipped"]
    exact_shared = _ratio(sum(row.outcome == "ok" for row in shared_rows), len(shared_rows))
    exact_variants = _ratio(sum(row.outcome == "ok" for row in generated), len(generated))
    everything = shared_rows + generated
    silent_wrong = [row for row in everything if row.outcome == "wrong"]
    incomplete = sum(row.outcome == "partial" for row in everything)
    unsure = sum(row.outcome == "unsure" for row in everything)
    refused = sum(row.outcome in ("refused", "error") for row in everything)
    skipped = len(variant_rows) - len(generated)
    pairs = sum(row.expected for row in everything)
    found = sum(round(row.recall * row.expected) for row in everything if row.outcome in ("ok", "partial", "wrong"))

    def verdict(ok: bool) -> str:
        return "meets" if ok else "MISSES"

    print("totals:")
    print(
        f"  shared files read exactly: {_pct(exact_shared)} of {len(shared_rows)}"
        f" (target {_pct(TARGET_SHARED)}: {verdict(exact_shared >= TARGET_SHARED)})"
    )
    print(
        f"  variants read exactly:     {_pct(exact_variants)} of {len(generated)}"
        f" (target {_pct(TARGET_VARIANTS)}: {verdict(exact_variants >= TARGET_VARIANTS)})"
        + (f"; {skipped} not generated" if skipped else "")
    )
    print(f"  silent wrong imports:      {len(silent_wrong)} (target 0: {verdict(not silent_wrong)})")
    for row in silent_wrong:
        print(f"    {row.name} / {row.layout}: P {_pct(row.precision)} R {_pct(row.recall)}")
    print(
        f"  also: {incomplete} silently incomplete, {unsure} stopped at the mapping page, {refused} refused or crashed;"
        f" questions imported right in confident imports: {found}/{pairs} ({_pct(_ratio(found, pairs))})"
    )
    measured = [row for row in everything if row.bare_seconds == row.bare_seconds and row.seconds == row.seconds]
    if measured:
        ours, bare = sum(row.seconds for row in measured), sum(row.bare_seconds for row in measured)
        print(
            f"  import time over {len(measured)} xlsx/csv files: {ours:.2f} s,"
            f" bare read {bare:.2f} s ({ours / bare:.2f}x)"
        )
