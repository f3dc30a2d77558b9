from django.urls import path

from . import sharing_views, views, views_nda

app_name = "reports"

urlpatterns = [
    path("packages/", views.package_list, name="package-list"),
    path("packages/new/", views.package_create, name="package-create"),
    path("packages/errata/", views.errata, name="errata"),
    path("packages/<str:reference>/", views.package_detail, name="package-detail"),
    path("packages/<str:reference>/release/", views.package_release, name="package-release"),
    path("packages/<str:reference>/rerender/", views.package_rerender, name="package-rerender"),
    path("packages/<str:reference>/reissue/", views.package_reissue, name="package-reissue"),
    path("packages/<str:reference>/pdf/<int:revision>/", views.package_download, name="package-download"),
    path("packages/<str:reference>/pdf/<int:revision>/retry/", views.package_render_retry, name="package-render-retry"),
    path("packages/<str:reference>/share/", sharing_views.share_create, name="share-create"),
    path("shares/<int:share_id>/revoke/", sharing_views.share_revoke, name="share-revoke"),
    path("lookup/", sharing_views.leak_lookup, name="leak-lookup"),
    path(
        "organisations/<int:organisation_id>/suspend/", sharing_views.organisation_suspend, name="organisation-suspend"
    ),
    path(
        "organisations/<int:organisation_id>/reinstate/",
        sharing_views.organisation_reinstate,
        name="organisation-reinstate",
    ),
    path("portal/", sharing_views.portal_share_list, name="portal-share-list"),
    path("portal/shares/<int:share_id>/", sharing_views.portal_share_detail, name="portal-share-detail"),
    path(
        "portal/shares/<int:share_id>/package.pdf",
        sharing_views.portal_package_download,
        name="portal-package-download",
    ),
    path(
        "portal/shares/<int:share_id>/questionnaire/",
        sharing_views.portal_questionnaire_download,
        name="portal-questionnaire-download",
    ),
    path(
        "portal/shares/<int:share_id>/documents/<int:document_id>/",
        sharing_views.portal_document_download,
        name="portal-document-download",
    ),
    path("nda/acceptances/<int:pk>/pdf/", views_nda.nda_acceptance_pdf, name="nda-acceptance-pdf"),
    path("verify/", views.verify, name="verify"),
    path("verify/ca.pem", views.ca_certificate, name="ca-certificate"),
]
