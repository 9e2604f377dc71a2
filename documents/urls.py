from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/<str:number>/", views.verify, name="verify"),
    path("applications/<id:pk>/documents/", views.application_documents, name="application"),
    path("applications/<id:pk>/documents/reuse/", views.document_reuse, name="reuse"),
    path("documents/<id:pk>/file/", views.document_file, name="file"),
    path("documents/<id:pk>/remove/", views.document_remove, name="remove"),
    path("issued/<id:pk>/pdf/", views.rendered_file, name="rendered"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate-pdf"),
]
