"""The audit trail page and its CSV export (admins and security leads)."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fileformats.cells import neutralise

from . import selectors
from .forms import EventFilterForm
from .policies import can_view_audit
from .services import audit_record

CSV_COLUMNS = [
    "seq",
    "at",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "ip",
    "via",
    "data",
    "hash",
]


def _filtered(request: HttpRequest):
    if not can_view_audit(request.user):
        raise PermissionDenied
    form = EventFilterForm(request.GET or None, actions=selectors.action_choices())
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.event_list(
        action=filters.get("action", ""),
        actor=filters.get("actor", ""),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return form, events


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "chain": selectors.chain_status()},
    )


def _csv_cell(value) -> str:
    return neutralise("" if value is None else str(value))


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, events = _filtered(request)
    audit_record(action="audit.exported", request=request, data={"filters": request.GET.dict()})
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for event in events.order_by("seq").iterator(chunk_size=2000):
            yield writer.writerow([_csv_cell(getattr(event, column)) for column in CSV_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="trustpack-audit-{stamp}.csv"'
    return response
