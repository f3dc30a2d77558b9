from django.urls import path

from . import views, views_nda

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
    path("nda/acceptances/<int:pk>/pdf/", views_nda.nda_acceptance_pdf, name="nda-acceptance-pdf"),
    path("verify/", views.verify, name="verify"),
    path("verify/ca.pem", views.ca_certificate, name="ca-certificate"),
]
