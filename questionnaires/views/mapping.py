"""The column page: which tabs of a spreadsheet hold questions and which columns hold what, with a preview of
how the file reads before anything is saved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.policies import Intent
from accounts.view_errors import error_message
from fileformats import FileRejected

from .. import exporting, policies, services
from ..forms import TabMappingFormSet, mapping_initial


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose, per tab, which columns hold the questions and answers; preview how the file reads; re-import."""
    questionnaire = policies.questionnaire_get_for(request.user, pk, for_=Intent.EDIT)
    try:
        preview = exporting.mapping_preview(questionnaire)
        proposal = exporting.mapping_proposal(questionnaire)
    except FileRejected as error:
        messages.error(request, str(error))
        return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
    sheets = preview["sheets"]
    formset = TabMappingFormSet(
        request.POST or None, initial=mapping_initial(sheets, proposal), sheets=sheets, prefix="tab"
    )
    mappings = proposal
    if request.method == "POST":
        if not formset.is_valid():
            mappings = []
        elif request.POST.get("action") == "save":
            try:
                services.questionnaire_remap(
                    actor=request.user, questionnaire=questionnaire, mappings=formset.mappings(), request=request
                )
            except ValidationError as error:
                messages.error(request, error_message(error))
            else:
                messages.success(
                    request,
                    "Columns saved: the file is being read again, and files of the same layout "
                    "will be read the same way.",
                )
                return redirect(reverse("questionnaires:questionnaire-detail", args=[pk]))
        else:
            mappings = formset.mappings()
    reading, reading_error = {"tabs": [], "questions": 0}, ""
    try:
        reading = exporting.mapping_reading(questionnaire, mappings)
    except FileRejected as error:
        reading_error = str(error)
    tables = {table["name"]: table for table in preview["tables"]}
    readings = {tab["sheet"]: tab for tab in reading["tabs"]}
    roles = {mapping.sheet: _column_roles(mapping) for mapping in mappings}
    tabs = []
    for form in formset.forms:
        sheet = form.initial.get("sheet", "")
        table = tables.get(sheet)
        columns = [(letter, roles.get(sheet, {}).get(letter, "")) for letter in table["columns"]] if table else []
        tabs.append({"form": form, "table": table, "reading": readings.get(sheet), "columns": columns})
    context = {
        "questionnaire": questionnaire,
        "formset": formset,
        "tabs": tabs,
        "reading": reading,
        "reading_error": reading_error,
        "summary": questionnaire.import_summary or {},
    }
    status = (
        400
        if request.method == "POST" and ((formset.errors and any(formset.errors)) or formset.non_form_errors())
        else 200
    )
    return render(request, "questionnaires/questionnaire_mapping.html", context, status=status)


def _column_roles(mapping) -> dict[str, str]:
    """Column letter → what it holds, for marking the preview's column headings."""
    roles = {mapping.id_column: "ID", mapping.question_column: "Question", mapping.answer_column: "Answer"}
    roles.update(zip(mapping.mark_columns, ("Yes", "No", "N/A"), strict=False))
    roles[mapping.comment_column] = "Comment"
    return {letter: role for letter, role in roles.items() if letter}
