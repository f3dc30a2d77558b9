"""Library import and export: the command, the upload, row-level errors, all-or-nothing, neutralised cells."""

import csv
import io
import os

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from library.file_format import REQUIRED_COLUMNS, neutralise, parse_library_file
from library.models import LibraryEntry, LibraryEntryVersion, VersionStatus
from tests.factories import library_entry

pytestmark = pytest.mark.django_db

HEADER = ",".join(REQUIRED_COLUMNS)
GOOD_ROWS = [
    "firewall-ports,Which ports must be open?,UDP 5684 outbound.,,network,public,Ports to allow | Firewall rules",
    "mfa-enforced,Is MFA enforced?,Yes: for every user.,Yes,access,nda,",
]


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_command_imports_and_approves_as_two_people(tmp_path, manager, lead, capsys):
    path = write(tmp_path, "lib.csv", [HEADER, *GOOD_ROWS])
    call_command("library_import", str(path), "--author", manager.email, "--approver", lead.email)
    assert "2 created" in capsys.readouterr().out
    entry = LibraryEntry.objects.get(key="firewall-ports")
    version = entry.approved_version
    assert (version.author, version.approver, version.status) == (manager, lead, VersionStatus.APPROVED)
    assert version.alias_list == ["Ports to allow", "Firewall rules"]
    # Running it again changes nothing.
    call_command("library_import", str(path), "--author", manager.email, "--approver", lead.email)
    assert "2 unchanged" in capsys.readouterr().out
    assert LibraryEntryVersion.objects.count() == 2


def test_command_refuses_the_same_person_and_a_non_lead(tmp_path, manager, lead, admin_user):
    path = write(tmp_path, "lib.csv", [HEADER, *GOOD_ROWS])
    with pytest.raises(CommandError, match="two different people"):
        call_command("library_import", str(path), "--author", lead.email, "--approver", lead.email)
    with pytest.raises(CommandError, match="not a security lead"):
        call_command("library_import", str(path), "--author", manager.email, "--approver", admin_user.email)
    assert not LibraryEntry.objects.exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["key,question,answer,short_answer,category,aliases", "a,Q,A,,network,"], "Missing column: classification"),
        ([HEADER, "bad-class,Q?,A.,,network,secret,"], "Row 2: classification 'secret'"),
        ([HEADER, GOOD_ROWS[0], GOOD_ROWS[0]], "Row 3: key 'firewall-ports' already appears in row 2"),
        ([HEADER, "Bad Key!,Q?,A.,,network,public,"], "Row 2: key 'Bad Key!'"),
        ([HEADER, "empty-answer,Q?,,,network,public,"], "Row 2: answer is empty"),
        ([HEADER, "short,Q?,A.,Maybe,network,public,"], "Row 2: short_answer 'Maybe'"),
    ],
)
def test_malformed_files_change_nothing(tmp_path, manager, lead, lines, message):
    library_entry(author=manager, approver=lead, key="already-there", answer="Kept as is.")
    path = write(tmp_path, "lib.csv", [*lines, GOOD_ROWS[1]] if lines[0] == HEADER else lines)
    with pytest.raises(CommandError):
        call_command(
            "library_import", str(path), "--author", manager.email, "--approver", lead.email, stderr=io.StringIO()
        )
    assert list(LibraryEntry.objects.values_list("key", flat=True)) == ["already-there"]
    parsed_error = None
    try:
        parsed = parse_library_file(path.name, path.read_bytes())
        parsed_error = "\n".join(parsed.errors)
    except ValueError as error:
        parsed_error = str(error)
    assert message in parsed_error


def test_ten_megabytes_of_junk_is_refused(tmp_path, manager, lead):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(os.urandom(10 * 1024 * 1024))
    with pytest.raises(CommandError, match="larger than the 5 MB"):
        call_command("library_import", str(path), "--author", manager.email, "--approver", lead.email)
    small_junk = tmp_path / "junk2.xlsx"
    small_junk.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(CommandError, match=r"not a valid \.xlsx file"):
        call_command("library_import", str(small_junk), "--author", manager.email, "--approver", lead.email)
    assert not LibraryEntry.objects.exists()


def test_xlsx_import(tmp_path, manager, lead):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(REQUIRED_COLUMNS))
    sheet.append(["xlsx-entry", "Q?", "A.", "yes", "network", "public", "One | Two"])
    path = tmp_path / "lib.xlsx"
    workbook.save(path)
    call_command("library_import", str(path), "--author", manager.email, "--approver", lead.email)
    assert LibraryEntry.objects.get(key="xlsx-entry").approved_version.short_answer == "Yes"


def test_export_neutralises_formula_like_cells_and_round_trips(tmp_path, manager, lead):
    library_entry(author=manager, approver=lead, key="formula", answer='=HYPERLINK("http://evil","x")')
    library_entry(author=manager, approver=lead, key="plus", answer="+1 555 0100 is the hotline")
    out = tmp_path / "export.csv"
    call_command("library_export", "--out", str(out))
    rows = {row["key"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["formula"]["answer"].startswith("'=")
    assert rows["plus"]["answer"].startswith("'+")
    assert rows["formula"]["status"] == "approved" and rows["formula"]["version"] == "1"
    # The apostrophe is taken off again on import: a round trip changes nothing.
    parsed = parse_library_file("export.csv", out.read_bytes())
    assert {row.key: row.answer for row in parsed.rows}["formula"] == '=HYPERLINK("http://evil","x")'

    xlsx = tmp_path / "export.xlsx"
    call_command("library_export", "--out", str(xlsx))
    sheet = openpyxl.load_workbook(xlsx).active
    cells = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert cells["formula"][2].startswith("'=")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_leaves_out_overdue_and_unapproved_entries(tmp_path, manager, lead):
    from datetime import timedelta

    from django.utils import timezone

    library_entry(author=manager, approver=lead, key="fresh")
    stale = library_entry(author=manager, approver=lead, key="stale")
    library_entry(author=manager, key="pending")
    LibraryEntry.objects.filter(pk=stale.pk).update(review_due=timezone.localdate() - timedelta(days=1))
    out = tmp_path / "export.csv"
    call_command("library_export", "--out", str(out))
    assert [row["key"] for row in csv.DictReader(out.open(encoding="utf-8"))] == ["fresh"]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise(value):
    assert neutralise(value) == "'" + value


def test_upload_previews_then_imports_into_the_review_queue(mfa_client, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = mfa_client(manager)
    upload = SimpleUploadedFile("lib.csv", ("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode())
    preview = client.post(reverse("library:library-import"), {"file": upload})
    assert preview.status_code == 200 and b"firewall-ports" in preview.content
    assert not LibraryEntry.objects.exists()  # nothing until confirmed
    token = preview.context["token"]
    done = client.post(reverse("library:library-import"), {"confirm": token})
    assert done.status_code == 302
    assert set(LibraryEntryVersion.objects.values_list("status", flat=True)) == {VersionStatus.IN_REVIEW}
    # The token is single-use.
    client.post(reverse("library:library-import"), {"confirm": token})
    assert LibraryEntryVersion.objects.count() == 2


def test_upload_with_errors_lists_rows_and_saves_nothing(mfa_client, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "\n".join([HEADER, GOOD_ROWS[0], "x,Q?,A.,,network,top-secret,", GOOD_ROWS[0]]) + "\n"
    response = mfa_client(manager).post(
        reverse("library:library-import"), {"file": SimpleUploadedFile("lib.csv", body.encode())}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Row 3: classification" in text and "Row 4: key" in text
    assert not LibraryEntry.objects.exists()


def test_upload_of_junk_is_a_clear_400(mfa_client, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = mfa_client(manager).post(
        reverse("library:library-import"), {"file": SimpleUploadedFile("lib.xlsx", os.urandom(4096))}
    )
    assert response.status_code == 400 and b"not a valid .xlsx file" in response.content


def test_export_columns_follow_the_command_line_contract(tmp_path, manager, lead):
    library_entry(author=manager, approver=lead, key="contract")
    out = tmp_path / "export.csv"
    call_command("library_export", "--out", str(out))
    header = next(csv.reader(out.open(encoding="utf-8")))
    assert header[:9] == [*REQUIRED_COLUMNS, "status", "version"]
