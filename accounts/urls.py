from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("mfa/", views.mfa_settings, name="mfa-settings"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa-enrol"),
    path("mfa/verify/", views.mfa_verify, name="mfa-verify"),
    path("mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("mfa/recovery-codes/regenerate/", views.mfa_recovery_codes_regenerate, name="mfa-recovery-codes-regenerate"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("invitations/", views.invitation_list, name="invitation-list"),
    path("invitations/new/", views.invitation_create, name="invitation-create"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("users/", views.user_list, name="user-list"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/mfa-reset/", views.user_mfa_reset, name="user-mfa-reset"),
    path("users/<int:pk>/active/", views.user_set_active, name="user-set-active"),
]
