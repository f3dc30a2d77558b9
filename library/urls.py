from django.urls import path, register_converter

from .views import company_profile, exchange
from .views import entries as views


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "library"

urlpatterns = [
    path("library/", views.entry_list, name="entry-list"),
    path("library/new/", views.entry_create, name="entry-create"),
    path("library/review/", views.review_queue, name="review-queue"),
    path("library/review/approve/", views.review_approve_bulk, name="review-approve-bulk"),
    path("library/mine/", views.my_drafts, name="my-drafts"),
    path("library/due/", views.due_for_review, name="due-for-review"),
    path("library/health/", views.library_health, name="library-health"),
    path("library/import/", exchange.library_import, name="library-import"),
    path("library/export.<fmt:fmt>", exchange.library_export, name="library-export"),
    path("company-profile/", company_profile.company_profile, name="company-profile"),
    path("library/entries/<slug:key>/", views.entry_detail, name="entry-detail"),
    path("library/entries/<slug:key>/edit/", views.entry_edit, name="entry-edit"),
    path("library/entries/<slug:key>/settings/", views.entry_settings, name="entry-settings"),
    path("library/entries/<slug:key>/retire/", views.entry_retire, name="entry-retire"),
    path("library/entries/<slug:key>/v<int:number>/submit/", views.version_submit, name="version-submit"),
    path("library/entries/<slug:key>/v<int:number>/approve/", views.version_approve, name="version-approve"),
    path("library/entries/<slug:key>/v<int:number>/reject/", views.version_reject, name="version-reject"),
]
