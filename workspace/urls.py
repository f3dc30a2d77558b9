from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("system/", views.system_status, name="system-status"),
    path("organisations/mine/", views.organisation_mine, name="organisation-mine"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
]
