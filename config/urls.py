from django.contrib import admin
from django.urls import include, path

from accounts.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("audit/", include("audit.urls")),
    path("", include("questionnaires.urls")),
    path("", include("reports.urls")),
    path("", include("accounts.urls")),
]

handler400 = "accounts.errors.bad_request"
handler403 = "accounts.errors.permission_denied"
handler404 = "accounts.errors.page_not_found"
handler500 = "accounts.errors.server_error"
