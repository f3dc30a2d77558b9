from django.contrib import admin
from django.urls import include, path

from workspace.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("audit/", include("audit.urls")),
    path("", include("library.urls")),
    path("", include("questionnaires.urls")),
    path("", include("evidence.urls")),
    path("", include("evidence.urls_nda")),
    path("", include("evidence.urls_trust")),
    path("", include("reports.urls")),
    path("", include("workspace.urls")),
    path("", include("accounts.urls")),
]

handler400 = "workspace.errors.bad_request"
handler403 = "workspace.errors.permission_denied"
handler404 = "workspace.errors.page_not_found"
handler500 = "workspace.errors.server_error"
handler429 = "workspace.errors.too_many_requests"  # django-allauth's limits look for it here
