from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("evidence/", views.document_list, name="document-list"),
    path("evidence/new/", views.document_create, name="document-create"),
    path("evidence/<int:pk>/", views.document_detail, name="document-detail"),
    path("evidence/<int:pk>/versions/new/", views.version_create, name="version-create"),
    path("evidence/<int:pk>/classification/", views.document_classify, name="document-classify"),
    path("evidence/<int:pk>/citations/", views.citation_add, name="citation-add"),
    path("evidence/<int:pk>/citations/remove/", views.citation_remove, name="citation-remove"),
    path("evidence/<int:pk>/v<int:number>/download/", views.version_download, name="version-download"),
    path("evidence/<int:pk>/v<int:number>/expiry/", views.version_expiry, name="version-expiry"),
]
