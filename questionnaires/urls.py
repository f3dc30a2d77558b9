from django.urls import path

from .views import learning as lviews
from .views import mapping as mapping_views
from .views import questionnaires as qviews

app_name = "questionnaires"

urlpatterns = [
    path("questionnaires/", qviews.questionnaire_list, name="questionnaire-list"),
    path("questionnaires/new/", qviews.questionnaire_create, name="questionnaire-create"),
    path("questionnaires/learn/", lviews.learning_create, name="learning-create"),
    path("questionnaires/learn/<int:pk>/", lviews.learning_detail, name="learning-detail"),
    path("questionnaires/learn/<int:pk>/confirm/", lviews.learning_confirm_above, name="learning-confirm-above"),
    path(
        "questionnaires/learn/<int:pk>/items/<int:item_pk>/confirm/",
        lviews.learning_item_confirm,
        name="learning-item-confirm",
    ),
    path(
        "questionnaires/learn/<int:pk>/items/<int:item_pk>/reject/",
        lviews.learning_item_reject,
        name="learning-item-reject",
    ),
    path(
        "questionnaires/learn/<int:pk>/items/<int:item_pk>/draft/",
        lviews.learning_item_draft,
        name="learning-item-draft",
    ),
    path("questionnaires/<int:pk>/", qviews.questionnaire_detail, name="questionnaire-detail"),
    path("questionnaires/<int:pk>/status.json", qviews.questionnaire_status, name="questionnaire-status"),
    path("questionnaires/<int:pk>/retry/", qviews.questionnaire_import_retry, name="questionnaire-import-retry"),
    path("questionnaires/<int:pk>/settings/", qviews.questionnaire_settings, name="questionnaire-settings"),
    path("questionnaires/<int:pk>/mapping/", mapping_views.questionnaire_mapping, name="questionnaire-mapping"),
    path("questionnaires/<int:pk>/complete/", qviews.questionnaire_complete, name="questionnaire-complete"),
    path("questionnaires/<int:pk>/export/", qviews.questionnaire_export, name="questionnaire-export"),
    path("questionnaires/<int:pk>/approve-all/", qviews.questionnaire_approve_all, name="questionnaire-approve-all"),
    path("questionnaires/<int:pk>/accept-all/", qviews.questionnaire_accept_all, name="questionnaire-accept-all"),
    path("questionnaires/<int:pk>/q/<int:question_pk>/", qviews.response_detail, name="response-detail"),
    path("questionnaires/<int:pk>/q/<int:question_pk>/approve/", qviews.response_approve, name="response-approve"),
    path("questionnaires/<int:pk>/q/<int:question_pk>/<slug:action>/", qviews.response_action, name="response-action"),
]
