"""Auto-fill quality and speed on ../shared/bench: Trustpack's matcher against a plain TF-IDF cosine baseline.

Quality: per source of dev_labels.csv, top-1 and top-3 on answerable questions (never abstaining), abstention on
NONE questions at the one global threshold, the precision of the suggestions made at that threshold and coverage (the
share of answerable questions filled with a right entry at that threshold).
Baselines, in the same run: the *plain* TF-IDF cosine between the question and each entry's question + aliases (the
textbook setup; the one the target margin is measured against), and, for transparency, a full-text variant whose
documents also hold the answer text.
Learning: cold (library only); leave-one-questionnaire-out (each dev questionnaire scored after the labelled questions
of the other five became confirmed phrasings of their first labelled entry); cross-template (learned from up to three
questionnaires of other templates, the largest first; a VSAQ file has only CAIQ and HECVAT to learn from); each next to
plain TF-IDF given the same phrasings as aliases; re-answered (each file after its own labels were confirmed: what
learning gives when the wording recurs); the product's unattended path (`questionnaire_learn` over another
company's answered questionnaires in ../shared, rolled back after); then the auto-fill targets, met or not.
Layouts: the CAIQ v4 and HECVAT 3.06 questions rewritten in each generated layout (tests/questionnaires/variants.py,
refs kept so the same labels apply), imported with the app's importer, then matched: what a customer's own layout costs.
Speed: 261 questions against a 2,000-entry library, without and with 2,000 learned phrasings, index build timed apart.
"""

import csv
import io
import math
import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from questionnaires.matching import ABSTAIN_THRESHOLD, Feedback, IndexedEntry, MatchIndex

SPEED_LIBRARY_SIZE = 2000
SPEED_PHRASINGS = 2000
SPEED_TARGET_SECONDS = 1.0
CROSS_TEMPLATE_FILES = 3
# dev_labels source -> file in ../shared/questionnaires
SOURCE_FILES = {
    "caiq-v4.0.3": "CAIQv4.0.3_STAR-Security-Questionnaire_Generated-at_2024-06-03.xlsx",
    "hecvat-3.06": "HECVAT-Full-v3.06_blank.xlsx",
    "vsaq-infrastructure": "vsaq_infrastructure.json",
    "vsaq-physical_and_datacenter": "vsaq_physical_and_datacenter.json",
    "vsaq-security_privacy_programs": "vsaq_security_privacy_programs.json",
    "vsaq-webapp": "vsaq_webapp.json",
}


@dataclass(frozen=True)
class BenchQuestion:
    source: str
    ref: str
    text: str
    section: str
    keys: frozenset[str]  # empty: no entry answers it
    first_key: str = ""


def shared_dir() -> Path:
    return Path(os.environ.get("TRUSTPACK_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")


def load_library(path: Path) -> list[IndexedEntry]:
    """The library as the app holds it: imported with `library_import` (two people), read back as the
    auto-fill index sees approved entries."""
    from django.core.management import call_command

    from library.selectors import matchable_entries
    from questionnaires.autofill import indexed_entries

    call_command("seed_demo", "--users-only", stdout=io.StringIO())
    call_command(
        "library_import",
        str(path),
        "--author",
        "manager@example.com",
        "--approver",
        "lead@example.com",
        stdout=io.StringIO(),
    )
    return indexed_entries(matchable_entries().order_by("pk"))


def load_questions(shared: Path) -> dict[str, list[tuple[str, str, str]]]:
    """(ref, text, section) per source, read with the app's own parsers."""
    from questionnaires.formats import parse_questionnaire  # the importer; imported late so the bench loads without it

    found = {}
    for source, filename in SOURCE_FILES.items():
        path = shared / "questionnaires" / filename
        parsed = parse_questionnaire(filename, path.read_bytes())
        found[source] = [(q.ref, q.text, q.section or "") for q in parsed.questions]
    return found


def bench_questions(shared: Path, questions: dict[str, list[tuple[str, str, str]]]) -> list[BenchQuestion]:
    with (shared / "bench" / "dev_labels.csv").open(newline="", encoding="utf-8") as handle:
        labels = {(r["source"], r["question_id"]): r["keys"] for r in csv.DictReader(handle)}
    out = []
    for (source, ref), keys in labels.items():
        match = next(((t, s) for r, t, s in questions.get(source, ()) if r == ref), None)
        if match is None:
            raise SystemExit(f"autofill bench: question {ref} of {source} not found by the parser")
        listed = [] if keys == "NONE" else [k.strip() for k in keys.split("|")]
        out.append(BenchQuestion(source, ref, match[0], match[1], frozenset(listed), listed[0] if listed else ""))
    return out


BASELINE_MARGIN = 0.25  # the target: top-1 at least this far above the plain TF-IDF baseline's


class TfidfBaseline:
    """TF-IDF cosine between the question and each entry's question + aliases (plain), plus the answer (full text)."""

    def __init__(self, entries: list[IndexedEntry], *, with_answer: bool = False) -> None:
        import re

        self._word = re.compile(r"[a-z0-9]+")
        docs = [
            Counter(self._tokens(" ".join((e.question, *e.aliases, e.answer if with_answer else "")))) for e in entries
        ]
        df = Counter(t for d in docs for t in d)
        self._idf = {t: math.log(len(docs) / n) + 1 for t, n in df.items()}
        self._keys = [e.key for e in entries]
        self._vectors = [self._unit(d) for d in docs]

    def _tokens(self, text: str) -> list[str]:
        return self._word.findall(text.lower())

    def _unit(self, counts: Counter[str]) -> dict[str, float]:
        vector = {t: c * self._idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}

    def ranked(self, text: str) -> list[tuple[str, float]]:
        query = self._unit(Counter(self._tokens(text)))
        scores = [
            (sum(w * v.get(t, 0.0) for t, w in query.items()), key)
            for key, v in zip(self._keys, self._vectors, strict=True)
        ]
        scores.sort(reverse=True)
        return [(key, score) for score, key in scores[:3]]


def _score(rows: list[BenchQuestion], ranked: list[list[tuple[str, float]]], threshold: float) -> dict[str, float]:
    answerable = [(q, r) for q, r in zip(rows, ranked, strict=True) if q.keys]
    none = [(q, r) for q, r in zip(rows, ranked, strict=True) if not q.keys]
    top1 = sum(bool(r) and r[0][0] in q.keys for q, r in answerable)
    top3 = sum(any(k in q.keys for k, _ in r[:3]) for q, r in answerable)
    abstained = sum(not r or r[0][1] < threshold for _, r in none)
    made = [(q, r) for q, r in zip(rows, ranked, strict=True) if r and r[0][1] >= threshold]
    right = sum(r[0][0] in q.keys for q, r in made)
    return {
        "answerable": len(answerable),
        "none": len(none),
        "top1": top1 / len(answerable) if answerable else math.nan,
        "top3": top3 / len(answerable) if answerable else math.nan,
        "abstain": abstained / len(none) if none else math.nan,
        "precision": right / len(made) if made else math.nan,
        "filled": right / len(answerable) if answerable else math.nan,
    }


def _pick_baseline_threshold(rows: list[BenchQuestion], ranked: list[list[tuple[str, float]]]) -> float:
    """The baseline's own best single threshold (most correct decisions), so it is not judged on ours."""
    candidates = sorted({round(r[0][1], 3) for r in ranked if r})
    best, best_correct = 0.0, -1
    for threshold in candidates:
        correct = sum(
            (not q.keys and (not r or r[0][1] < threshold))
            or (bool(q.keys) and r and r[0][1] >= threshold and r[0][0] in q.keys)
            for q, r in zip(rows, ranked, strict=True)
        )
        if correct > best_correct:
            best, best_correct = threshold, correct
    return best


def _pct(value: float) -> str:
    return "   -  " if math.isnan(value) else f"{100 * value:5.1f}%"


def _table(title: str, rows: list[BenchQuestion], ours: list, baselines: list[tuple[list, float]]) -> None:
    print(title)
    print(
        f"  {'source':32} {'ans':>4} {'none':>4} | {'top-1':>6} {'top-3':>6} {'abst':>6} {'prec':>6} {'cover':>6}"
        + "".join(f" | {name} {'top-1':>6} {'top-3':>6} {'abst':>6} {'prec':>6}" for name in ("plain", "full "))
    )
    print(
        "  (top-1/top-3: answerable questions, never abstaining; abst: NONE questions abstained on at the threshold;"
        " prec: suggestions made at the threshold that are right; cover: answerable questions filled right at it)"
    )
    groups = defaultdict(list)
    for i, q in enumerate(rows):
        groups[q.source].append(i)
    for source in [*sorted(groups), "TOTAL"]:
        picked = range(len(rows)) if source == "TOTAL" else groups[source]
        sub = [rows[i] for i in picked]
        a = _score(sub, [ours[i] for i in picked], ABSTAIN_THRESHOLD)
        line = (
            f"  {source:32} {a['answerable']:4d} {a['none']:4d} | {_pct(a['top1'])} {_pct(a['top3'])}"
            f" {_pct(a['abstain'])} {_pct(a['precision'])} {_pct(a['filled'])}"
        )
        for ranked, threshold in baselines:
            b = _score(sub, [ranked[i] for i in picked], threshold)
            line += f" |       {_pct(b['top1'])} {_pct(b['top3'])} {_pct(b['abstain'])} {_pct(b['precision'])}"
        print(line)


def _ranked(index: MatchIndex, rows: list[BenchQuestion]) -> list[list[tuple[str, float]]]:
    return [[(s.key, s.confidence) for s in index.suggest(q.text, section=q.section, k=3)] for q in rows]


def synthetic_library(entries: list[IndexedEntry], size: int, seed: int = 7) -> list[IndexedEntry]:
    """The bench entries plus filler made by recombining their sentences and words, `size` entries in all."""
    rng = random.Random(seed)  # noqa: S311 - reproducible filler text, nothing secret
    sentences = [s.strip() for e in entries for s in e.answer.split(".") if len(s.split()) > 4]
    vocabulary = sorted({w for e in entries for w in e.question.rstrip("?").split() if len(w) > 3})
    out = list(entries)
    while len(out) < size:
        number = len(out) + 1
        words = rng.sample(vocabulary, 8)
        out.append(
            IndexedEntry(
                entry_id=number,
                key=f"filler-{number}",
                question=f"Do you {' '.join(words[:3])} for {' '.join(words[3:8])}?",
                answer=". ".join(rng.sample(sentences, 3)) + ".",
                aliases=(" ".join(rng.sample(vocabulary, 5)),) if rng.random() < 0.3 else (),
                category=rng.choice(entries).category,
            )
        )
    return out


def synthetic_phrasings(entries: list[IndexedEntry], count: int, seed: int = 11) -> list[Feedback]:
    """`count` confirmed phrasings: an entry's question or alias with words dropped, swapped and borrowed from
    another entry's question, each confirmed for a random entry of the (synthetic) library."""
    rng = random.Random(seed)  # noqa: S311 - reproducible filler text, nothing secret
    texts = [t for e in entries for t in (e.question, *e.aliases) if len(t.split()) > 3]
    out = []
    for _ in range(count):
        words = rng.choice(texts).rstrip("?").split()
        words = [w for w in words if rng.random() > 0.2] or words
        if len(words) > 3:
            i, j = rng.sample(range(len(words)), 2)
            words[i], words[j] = words[j], words[i]
        words += rng.choice(texts).rstrip("?").split()[:3]
        out.append(Feedback(rng.choice(entries).entry_id, " ".join(words) + "?", True))
    return out


def run(questions: dict[str, list[tuple[str, str, str]]] | None = None) -> None:
    """Print the tables; `questions` ((ref, text, section) per source) replaces parsing the files when given."""
    shared = shared_dir()
    if not (shared / "bench" / "library.csv").is_file():
        print(f"autofill: skipped, no benchmark data at {shared / 'bench'} (set TRUSTPACK_SHARED_DIR)")
        return
    entries = load_library(shared / "bench" / "library.csv")
    if questions is None:
        try:
            questions = load_questions(shared)
        except ModuleNotFoundError as error:
            if not (error.name or "").startswith("questionnaires.formats"):
                raise
            print("autofill: skipped, the questionnaire parsers (questionnaires.formats) are not there yet")
            return
    rows = bench_questions(shared, questions)

    index = MatchIndex.build(entries)
    ours = _ranked(index, rows)
    plain = TfidfBaseline(entries)
    plain_ranked = [plain.ranked(q.text) for q in rows]
    plain_threshold = _pick_baseline_threshold(rows, plain_ranked)
    full = TfidfBaseline(entries, with_answer=True)
    full_ranked = [full.ranked(q.text) for q in rows]
    full_threshold = _pick_baseline_threshold(rows, full_ranked)
    _table(
        f"autofill quality ({len(entries)} entries; Trustpack threshold {ABSTAIN_THRESHOLD}; TF-IDF each at its own"
        f" best threshold: plain {plain_threshold:.3f}, full text {full_threshold:.3f}):",
        rows,
        ours,
        [(plain_ranked, plain_threshold), (full_ranked, full_threshold)],
    )
    ours_top1 = _score(rows, ours, ABSTAIN_THRESHOLD)["top1"]
    plain_top1 = _score(rows, plain_ranked, plain_threshold)["top1"]
    full_top1 = _score(rows, full_ranked, full_threshold)["top1"]
    lead = ours_top1 - plain_top1
    print(
        f"  baseline: plain TF-IDF = cosine between the question and each entry's question + aliases (the textbook"
        f" setup): top-1 {_pct(plain_top1)}; full-text TF-IDF (documents also hold the answer, for transparency):"
        f" top-1 {_pct(full_top1)}. Trustpack top-1 {_pct(ours_top1)} is {100 * lead:.1f} points above the plain"
        f" baseline ({'meets' if lead >= BASELINE_MARGIN else 'misses'} the {100 * BASELINE_MARGIN:.0f}-point target)"
    )

    learning_runs(entries, rows, index)

    layout_variants(shared, index)

    library = synthetic_library(entries, SPEED_LIBRARY_SIZE)
    phrasings = synthetic_phrasings(library, SPEED_PHRASINGS)
    speed_rows = [q for q in rows if q.source.startswith("caiq-")][:261]
    for label, learned in (("no learned phrasings", []), (f"{len(phrasings):,} learned phrasings", phrasings)):
        start = time.perf_counter()
        big = MatchIndex.build(library, learned)
        build = time.perf_counter() - start
        start = time.perf_counter()
        for q in speed_rows:
            big.suggest(q.text, section=q.section, k=3)
        matching = time.perf_counter() - start
        big_score = _score(speed_rows, _ranked(big, speed_rows), ABSTAIN_THRESHOLD)
        print(
            f"autofill speed: {len(speed_rows)} questions against {len(library):,} entries with {label} in"
            f" {matching:.3f} s ({len(speed_rows) / matching:,.0f} questions/s; target < {SPEED_TARGET_SECONDS:.0f} s:"
            f" {'met' if matching < SPEED_TARGET_SECONDS else 'MISSED'}); index build {build:.3f} s;"
            f" top-1 there {_pct(big_score['top1'])}"
        )


# Auto-fill targets, on answerable questions (filled: suggested at the threshold and right) and NONE questions.
TARGETS = {
    "cold": {"filled": 0.35, "precision": 0.85, "abstain": 0.60},
    "leave-one-out": {"filled": 0.50, "precision": 0.90, "abstain": 0.60},
}


def _template(source: str) -> str:
    return source.split("-", 1)[0]


def _phrasings(rows: list[BenchQuestion], sources: set[str], by_key: dict[str, int]) -> list[Feedback]:
    """Confirmed links from past answered questionnaires: each labelled question of `sources` becomes a learned
    phrasing of the first entry its label lists."""
    return [Feedback(by_key[q.first_key], q.text, True) for q in rows if q.source in sources and q.first_key in by_key]


def cross_template_sources(rows: list[BenchQuestion], source: str) -> list[str]:
    """Up to CROSS_TEMPLATE_FILES dev questionnaires of other templates than `source`'s, the largest first."""
    sizes = Counter(q.source for q in rows)
    others = [s for s in sizes if _template(s) != _template(source)]
    return sorted(others, key=lambda s: (-sizes[s], s))[:CROSS_TEMPLATE_FILES]


def _best_at_precision(rows: list[BenchQuestion], ranked: list, precision: float) -> tuple[float, float]:
    """The most answerable questions filled right at any one threshold whose suggestions are at least `precision`
    right, and that threshold: a diagnostic of the confidence ranking, not the score (which uses ABSTAIN_THRESHOLD)."""
    made = sorted(((r[0][1], r[0][0] in q.keys) for q, r in zip(rows, ranked, strict=True) if r), reverse=True)
    answerable = sum(bool(q.keys) for q in rows)
    best, best_threshold, right = 0.0, 1.0, 0
    for count, (confidence, is_right) in enumerate(made, start=1):
        right += is_right
        next_differs = count == len(made) or made[count][0] != confidence
        if next_differs and right / count >= precision and right / answerable > best:
            best, best_threshold = right / answerable, confidence
    return best, best_threshold


def learning_runs(entries: list[IndexedEntry], rows: list[BenchQuestion], index: MatchIndex) -> None:
    """Cold (library only), leave-one-questionnaire-out (learned from the other dev questionnaires) and cross-template
    (learned from up to three questionnaires of other templates), each next to plain TF-IDF given the same phrasings
    as extra aliases; then the targets."""
    by_key = {e.key: e.entry_id for e in entries}
    by_id = {e.entry_id: e for e in entries}
    sources = sorted({q.source for q in rows})
    runs: dict[str, tuple[list, list]] = {}
    learned_from: dict[str, dict[str, list[str]]] = {"leave-one-out": {}, "cross-template": {}}
    for name in ("cold", "leave-one-out", "cross-template"):
        ours: list = [None] * len(rows)
        plain: list = [None] * len(rows)
        for source in sources:
            if name == "cold":
                teachers: list[str] = []
            elif name == "leave-one-out":
                teachers = [s for s in sources if s != source]
            else:
                teachers = cross_template_sources(rows, source)
            if name != "cold":
                learned_from[name][source] = teachers
            feedback = _phrasings(rows, set(teachers), by_key)
            learned = MatchIndex.build(entries, feedback) if feedback else index
            extra: dict[int, list[str]] = defaultdict(list)
            for item in feedback:
                extra[item.entry_id].append(item.question_text)
            baseline = TfidfBaseline(
                [
                    IndexedEntry(e.entry_id, e.key, e.question, e.answer, (*e.aliases, *extra[e.entry_id]), e.category)
                    for e in by_id.values()
                ]
            )
            for i, q in enumerate(rows):
                if q.source == source:
                    ours[i] = [(s.key, s.confidence) for s in learned.suggest(q.text, section=q.section, k=3)]
                    plain[i] = baseline.ranked(q.text)
        runs[name] = (ours, plain)

    for name, (ours, plain) in runs.items():
        threshold = _pick_baseline_threshold(rows, plain)
        print(
            f"autofill {name}: Trustpack at threshold {ABSTAIN_THRESHOLD} | plain TF-IDF (question + aliases"
            f"{' + the same learned phrasings' if name != 'cold' else ''}) at its own best threshold {threshold:.3f}"
        )
        print(
            f"  {'source':32} {'ans':>4} {'none':>4} | {'top-1':>6} {'top-3':>6} {'abst':>6} {'prec':>6} {'filled':>6}"
            f" | {'top-1':>6} {'top-3':>6} {'abst':>6} {'prec':>6} {'filled':>6}"
        )
        for source in [*sources, "TOTAL"]:
            picked = [i for i, q in enumerate(rows) if source in ("TOTAL", q.source)]
            sub = [rows[i] for i in picked]
            a = _score(sub, [ours[i] for i in picked], ABSTAIN_THRESHOLD)
            b = _score(sub, [plain[i] for i in picked], threshold)
            print(
                f"  {source:32} {a['answerable']:4d} {a['none']:4d} |"
                + "".join(f" {_pct(a[m])}" for m in ("top1", "top3", "abstain", "precision", "filled"))
                + " |"
                + "".join(f" {_pct(b[m])}" for m in ("top1", "top3", "abstain", "precision", "filled"))
            )
        reach = ", ".join(
            f"{_pct(filled)} filled at >= {100 * precision:.0f}% precision (threshold {threshold:.4f})"
            if filled
            else f"no threshold reaches {100 * precision:.0f}% precision"
            for precision in (0.85, 0.90)
            for filled, threshold in [_best_at_precision(rows, ours, precision)]
        )
        print(f"  Trustpack at its best single threshold instead (how far the confidence ranking reaches): {reach}")
        for source, teachers in learned_from.get(name, {}).items():
            print(f"    {source} learned from: {', '.join(teachers)}")

    # The wording recurs (the same template answered again next year): each file learned from its own labels.
    recurring: list = [None] * len(rows)
    for source in sources:
        learned = MatchIndex.build(entries, _phrasings(rows, {source}, by_key))
        for i, q in enumerate(rows):
            if q.source == source:
                recurring[i] = [(s.key, s.confidence) for s in learned.suggest(q.text, section=q.section, k=3)]
    again = _score(rows, recurring, ABSTAIN_THRESHOLD)
    print(
        f"autofill re-answered (each file after its own labelled questions were confirmed; the wording recurs):"
        f" top-1 {_pct(again['top1'])}, abstention on NONE {_pct(again['abstain'])}, precision"
        f" {_pct(again['precision'])}, filled {_pct(again['filled'])}"
    )

    learned_by_command(rows)

    print("autofill targets (TOTAL over the dev questionnaires):")
    for name, target in TARGETS.items():
        got = _score(rows, runs[name][0], ABSTAIN_THRESHOLD)
        met = all(got[m] >= target[m] for m in target)
        print(
            f"  {name:14} filled {_pct(got['filled'])} (>= {_pct(target['filled'])}) at precision"
            f" {_pct(got['precision'])} (>= {_pct(target['precision'])}), abstention on NONE {_pct(got['abstain'])}"
            f" (>= {_pct(target['abstain'])}): {'met' if met else 'NOT met'}"
        )


ANSWERED_FILES = "*_filled.xlsx"  # other companies' answered questionnaires in ../shared/questionnaires


class _RolledBack(Exception):
    pass


def learned_by_command(rows: list[BenchQuestion]) -> None:
    """The product's own path, unattended: `questionnaire_learn` over the answered questionnaires in ../shared (another
    company's answers, which the library does not hold), then the dev questionnaires scored with the app's index, next
    to the same before it. What it must show: unattended learning does not make auto-fill less precise. Rolled back."""
    from django.core.management import call_command
    from django.db import transaction

    from questionnaires.autofill import index_invalidate, match_index

    files = sorted((shared_dir() / "questionnaires").glob(ANSWERED_FILES))
    if not files:
        return

    def scored() -> dict[str, float]:
        index, _ = match_index()
        ranked = [[(s.key, s.confidence) for s in index.suggest(q.text, section=q.section, k=3)] for q in rows]
        return _score(rows, ranked, ABSTAIN_THRESHOLD)

    before = scored()
    summary = io.StringIO()
    try:
        with transaction.atomic():
            call_command(
                "questionnaire_learn",
                *map(str, files),
                "--as",
                "manager@example.com",
                stdout=summary,
                stderr=io.StringIO(),
            )
            after = scored()
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        index_invalidate()
    print(
        f"autofill after questionnaire_learn on {', '.join(f.name for f in files)} (unattended; their summary"
        f" {summary.getvalue().strip()}):"
    )
    for label, got in (("before", before), ("after", after)):
        print(
            f"  {label:7} top-1 {_pct(got['top1'])}, filled {_pct(got['filled'])} at precision"
            f" {_pct(got['precision'])}, abstention on NONE {_pct(got['abstain'])}"
        )


VARIANT_SOURCES = ("caiq-v4.0.3", "hecvat-3.06")


def layout_variants(shared: Path, index: MatchIndex) -> None:
    """Top-1, precision and coverage per layout variant of the labelled CAIQ and HECVAT files, next to the original
    layout. Questions the import lost count as unanswered; an import that stopped at the mapping page is flagged."""
    from bench.extraction_truth import SPECS, truth_questions
    from fileformats import FileRejected
    from questionnaires.formats import parse_questionnaire
    from tests.questionnaires.variants import generate

    with (shared / "bench" / "dev_labels.csv").open(newline="", encoding="utf-8") as handle:
        labels = [(r["source"], r["question_id"], r["keys"]) for r in csv.DictReader(handle)]
    print("autofill per layout (labelled questions found by the import / labelled; top-1 on answerable; precision")
    print("and coverage at the threshold; lost questions count as unanswered):")
    print(f"  {'source':14} {'layout':28} {'found':>9} {'import':9} | {'top-1':>6} {'prec':>6} {'cover':>6}")
    for source in VARIANT_SOURCES:
        spec = next(s for s in SPECS if s.label_source == source)
        path = shared / "questionnaires" / spec.filename
        truth = truth_questions(path, spec)
        files = [("(original)", spec.filename, path.read_bytes())]
        files += [
            (v.layout, v.filename, v.data)
            for v in generate([(q.ref, q.text, q.section) for q in truth], stem=source)
            if not v.skipped
        ]
        wanted = [(ref, keys) for s, ref, keys in labels if s == source]
        for layout, filename, data in files:
            try:
                parsed = parse_questionnaire(filename, data)
            except FileRejected as error:  # QuestionnaireFileError included
                print(f"  {source:14} {layout:28} {'-':>9} {'refused':9} | {str(error)[:60]}")
                continue
            by_ref = {q.ref: q for q in parsed.questions}
            rows, ranked = [], []
            for ref, keys in wanted:
                listed = [] if keys == "NONE" else [k.strip() for k in keys.split("|")]
                question = by_ref.get(ref)
                rows.append(BenchQuestion(source, ref, question.text if question else "", "", frozenset(listed)))
                ranked.append(
                    [(s.key, s.confidence) for s in index.suggest(question.text, section=question.section or "", k=3)]
                    if question
                    else []
                )
            score = _score(rows, ranked, ABSTAIN_THRESHOLD)
            found = sum(ref in by_ref for ref, _ in wanted)
            outcome = "confident" if parsed.confident else "unsure"
            print(
                f"  {source:14} {layout:28} {f'{found}/{len(wanted)}':>9} {outcome:9} |"
                f" {_pct(score['top1'])} {_pct(score['precision'])} {_pct(score['filled'])}"
            )
