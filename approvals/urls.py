"""Applicant portal pages of the domain core (the flow-driven ones are in ``workflows.urls``)."""

from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("signup/", views.sign_up, name="sign_up"),
    path("agency/register/", views.agency_register, name="agency_register"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/<id:pk>/edit/", views.application_edit, name="application_edit"),
]
