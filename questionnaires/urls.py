from django.urls import path, register_converter

from .views import library as views
from .views import library_exchange
from .views import questionnaires as qviews


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "questionnaires"

urlpatterns = [
    path("library/", views.entry_list, name="entry-list"),
    path("library/new/", views.entry_create, name="entry-create"),
    path("library/review/", views.review_queue, name="review-queue"),
    path("library/review/approve/", views.review_approve_bulk, name="review-approve-bulk"),
    path("library/mine/", views.my_drafts, name="my-drafts"),
    path("library/due/", views.due_for_review, name="due-for-review"),
    path("library/health/", views.library_health, name="library-health"),
    path("library/import/", library_exchange.library_import, name="library-import"),
    path("library/export.<fmt:fmt>", library_exchange.library_export, name="library-export"),
    path("library/entries/<slug:key>/", views.entry_detail, name="entry-detail"),
    path("library/entries/<slug:key>/edit/", views.entry_edit, name="entry-edit"),
    path("library/entries/<slug:key>/settings/", views.entry_settings, name="entry-settings"),
    path("library/entries/<slug:key>/retire/", views.entry_retire, name="entry-retire"),
    path("library/entries/<slug:key>/v<int:number>/submit/", views.version_submit, name="version-submit"),
    path("library/entries/<slug:key>/v<int:number>/approve/", views.version_approve, name="version-approve"),
    path("library/entries/<slug:key>/v<int:number>/reject/", views.version_reject, name="version-reject"),
    path("questionnaires/", qviews.questionnaire_list, name="questionnaire-list"),
    path("questionnaires/new/", qviews.questionnaire_create, name="questionnaire-create"),
    path("questionnaires/<int:pk>/", qviews.questionnaire_detail, name="questionnaire-detail"),
    path("questionnaires/<int:pk>/status.json", qviews.questionnaire_status, name="questionnaire-status"),
    path("questionnaires/<int:pk>/retry/", qviews.questionnaire_import_retry, name="questionnaire-import-retry"),
    path("questionnaires/<int:pk>/settings/", qviews.questionnaire_settings, name="questionnaire-settings"),
    path("questionnaires/<int:pk>/mapping/", qviews.questionnaire_mapping, name="questionnaire-mapping"),
    path("questionnaires/<int:pk>/complete/", qviews.questionnaire_complete, name="questionnaire-complete"),
    path("questionnaires/<int:pk>/export/", qviews.questionnaire_export, name="questionnaire-export"),
    path("questionnaires/<int:pk>/approve-all/", qviews.questionnaire_approve_all, name="questionnaire-approve-all"),
    path("questionnaires/<int:pk>/accept-all/", qviews.questionnaire_accept_all, name="questionnaire-accept-all"),
    path("questionnaires/<int:pk>/q/<int:question_pk>/", qviews.response_detail, name="response-detail"),
    path("questionnaires/<int:pk>/q/<int:question_pk>/approve/", qviews.response_approve, name="response-approve"),
    path("questionnaires/<int:pk>/q/<int:question_pk>/<slug:action>/", qviews.response_action, name="response-action"),
]
