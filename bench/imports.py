"""Questionnaire import speed per real file: Trustpack's safe parse against a bare openpyxl read of the same file."""

import io
import time
import warnings

from bench.autofill import shared_dir


def _bare_read(name: str, data: bytes) -> None:
    """Baseline: what reading every cell costs with no safety checks, format detection or validations."""
    if not name.endswith(".xlsx"):
        data.decode("utf-8-sig")
        return
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the extensions it drops; not this benchmark's concern
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
        workbook.close()


def _best_of(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def _generated(rows: int, columns: int) -> bytes:
    """A workbook of `rows` questions with ID, question and `columns - 2` filled columns of unique text."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Questions")
    sheet.append(["ID", "Question", "Answer", "Notes"] + [f"Extra {n}" for n in range(columns - 4)])
    filler = "lorem ipsum dolor sit amet consectetur adipiscing elit " * 2
    for row in range(1, rows + 1):
        sheet.append(
            [f"Q{row}", f"Question {row}: is the data encrypted?", None, None]
            + [f"{row}-{n} {filler}" for n in range(columns - 4)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _within_caps() -> None:
    """The worst workbooks near the caps: 5,000 questions with as many filled columns as the cell budget allows,
    and a file far over them (the 198,394-row shape), which must be refused quickly."""
    from fileformats import FileRejected
    from questionnaires.formats import DEFAULT_MAX_CELLS, MAX_QUESTIONS, parse_questionnaire

    columns = DEFAULT_MAX_CELLS // (MAX_QUESTIONS + 1)
    print(f"\n{'generated workbook (one run)':<62} {'questions':>9} {'parse s':>8}")
    for label, data in (
        (f"{MAX_QUESTIONS:,} questions x {columns} columns of 120-char text", _generated(MAX_QUESTIONS, columns)),
        (f"{MAX_QUESTIONS:,} questions x 4 columns", _generated(MAX_QUESTIONS, 4)),
        ("198,394 questions x 4 columns (refused)", _generated(198_394, 4)),
    ):
        started = time.perf_counter()
        try:
            count = str(len(parse_questionnaire("generated.xlsx", data).questions))
        except FileRejected:
            count = "refused"
        print(f"{label:<62} {count:>9} {time.perf_counter() - started:>8.2f}")


def run() -> None:
    from questionnaires.formats import parse_questionnaire

    _within_caps()

    folder = shared_dir() / "questionnaires"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".xlsx", ".json", ".csv")) if folder.is_dir() else []
    if not files:
        print(f"imports: skipped, no questionnaire files at {folder} (set TRUSTPACK_SHARED_DIR)")
        return
    print(f"{'import (best of 3)':<62} {'questions':>9} {'parse s':>8} {'bare read s':>11} {'ratio':>6}")
    for path in files:
        data = path.read_bytes()
        parsed = parse_questionnaire(path.name, data)
        ours = _best_of(3, lambda data=data, path=path: parse_questionnaire(path.name, data))
        bare = _best_of(3, lambda data=data, path=path: _bare_read(path.name, data))
        ratio = f"{ours / bare:>6.2f}" if path.suffix == ".xlsx" else f"{'n/a':>6}"
        print(f"{path.name[:62]:<62} {len(parsed.questions):>9} {ours:>8.3f} {bare:>11.3f} {ratio}")
