from django.urls import path

from . import views_nda

app_name = "nda"

urlpatterns = [
    path("nda/", views_nda.nda_accept, name="nda-accept"),
    path("nda/texts/", views_nda.nda_text_list, name="text-list"),
    path("nda/texts/new/", views_nda.nda_text_publish, name="text-publish"),
]
