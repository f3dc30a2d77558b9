"""Library import (upload, preview, confirm: all rows or none) and export (CSV/XLSX) pages."""

import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.view_errors import error_message, require
from audit.services import audit_record
from fileformats import FileRejected
from fileformats.uploads import LIBRARY_FILE

from .. import policies, selectors, services
from ..file_format import export_rows, parse_library_file, write_csv, write_xlsx
from ..forms import ImportUploadForm

SESSION_IMPORT = "library_import_upload"


def _stash_name(token: str, suffix: str) -> str:
    """Where an uploaded library file waits between preview and confirm: in the shared file store, so the confirm
    may reach another app server than the preview did."""
    return f"imports/{token}{suffix}"


@login_required
@require_http_methods(["GET", "POST"])
def library_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (with row errors, nothing saved) → confirm (all rows or none)."""
    require(policies.can_edit_library(request.user))
    form = ImportUploadForm()
    if request.method == "POST" and request.POST.get("confirm"):
        return _import_confirm(request)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > LIBRARY_FILE.max_bytes:
                form.add_error("file", f"The file is larger than {LIBRARY_FILE.max_mb} MB.")
            else:
                data = upload.read()
                try:
                    parsed = parse_library_file(upload.name, data)
                except FileRejected as error:
                    form.add_error("file", str(error))
                else:
                    if not parsed.ok:
                        return render(
                            request,
                            "library/library_import.html",
                            {"form": form, "errors": parsed.errors[:200], "error_count": len(parsed.errors)},
                            status=400,
                        )
                    token = uuid.uuid4().hex
                    suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
                    name = default_storage.save(_stash_name(token, suffix), ContentFile(data))
                    request.session[SESSION_IMPORT] = {
                        "token": token,
                        "stored": name,
                        "suffix": suffix,
                        "name": upload.name,
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                    existing = selectors.existing_keys(user=request.user, keys=[row.key for row in parsed.rows])
                    return render(
                        request,
                        "library/library_import_preview.html",
                        {"rows": parsed.rows, "existing": existing, "name": upload.name, "token": token},
                    )
        return render(request, "library/library_import.html", {"form": form}, status=400)
    return render(request, "library/library_import.html", {"form": form})


def _import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_IMPORT)
    if not pending or pending.get("token") != request.POST.get("confirm"):
        messages.error(request, "That upload has expired. Upload the file again.")
        return redirect(reverse("library:library-import"))
    name = pending.get("stored") or _stash_name(pending["token"], pending["suffix"])
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        messages.error(request, "That upload has expired. Upload the file again.")
        return redirect(reverse("library:library-import"))
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        raise PermissionDenied
    parsed = parse_library_file(pending["name"], data)
    try:
        result = services.library_import(rows=parsed.rows, author=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_message(error))
        return redirect(reverse("library:library-import"))
    finally:
        default_storage.delete(name)
        request.session.pop(SESSION_IMPORT, None)
    messages.success(
        request,
        f"Imported {result.total} rows: {result.created} new, {result.updated} changed, {result.unchanged} unchanged. "
        "New and changed versions wait in the review queue.",
    )
    return redirect(reverse("library:entry-list"))


@login_required
@require_GET
def library_export(request: HttpRequest, fmt: str) -> HttpResponse:
    require(policies.can_view_library(request.user))
    entries = list(selectors.leaving_entries(nda_covered=True).order_by("key"))
    for entry in entries:
        entry.export_version = entry.approved_version
    table = export_rows(entries)
    stamp = timezone.now().strftime("%Y%m%d")
    if fmt == "xlsx":
        response = HttpResponse(
            write_xlsx(table), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(write_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trustpack-library-{stamp}.{fmt}"'
    audit_record(action="library.exported", request=request, data={"format": fmt, "entries": len(entries)})
    return response
