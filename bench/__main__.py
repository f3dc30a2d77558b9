"""`make bench`: run every benchmark module in turn on a throwaway SQLite database.

`python -m bench review imports` runs only the named modules."""

import os
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="trustpack-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["FILES_ROOT"] = str(workdir / "files")  # generated files and audit checkpoints stay with it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import audit_chain, autofill, extraction, imports, load, pdf, review, watermark

    modules = (
        ("Audit trail", audit_chain),
        ("Auto-fill", autofill),
        ("Questionnaire import", imports),
        ("Questionnaire extraction (shared files and layout variants)", extraction),
        ("Package PDF", pdf),
        ("Evidence watermark", watermark),
        ("Review page and dashboard", review),
        ("Pages under load (gunicorn and locust, one core each)", load),
    )
    chosen = set(sys.argv[1:])
    for name, module in modules:
        if chosen and module.__name__.rsplit(".", 1)[-1] not in chosen:
            continue
        print(f"\n== {name}")
        module.run()


if __name__ == "__main__":
    main()
