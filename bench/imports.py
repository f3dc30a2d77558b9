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


def run() -> None:
    from questionnaires.formats import parse_questionnaire

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
