from django.urls import path

from . import views_trust

app_name = "trust"

urlpatterns = [
    path("trust/", views_trust.trust_page, name="trust-page"),
    path("trust/documents/<int:pk>/download/", views_trust.trust_document_download, name="document-download"),
    path("trust/request-access/", views_trust.trust_request_access, name="request-access"),
    path("trust/request-access/sent/", views_trust.trust_request_sent, name="request-sent"),
    path("trust/requests/", views_trust.access_request_list, name="request-list"),
    path("trust/requests/<int:pk>/", views_trust.access_request_detail, name="request-detail"),
    path("trust/requests/<int:pk>/approve/", views_trust.access_request_approve, name="request-approve"),
    path("trust/requests/<int:pk>/decline/", views_trust.access_request_decline, name="request-decline"),
]
