from django.urls import path

from . import certificate_views, views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/keys.json", views.verification_keys, name="verify-keys"),
    path("verify/<str:number>/", views.verify, name="verify"),
    path("verify/<str:number>/<id:version>/", views.verify, name="verify-version"),
    path("applications/<id:pk>/documents/", views.application_documents, name="application"),
    path("applications/<id:pk>/documents/reuse/", views.document_reuse, name="reuse"),
    path("applications/<id:pk>/documents/reuse-all/", views.document_reuse_all, name="reuse-all"),
    path("documents/<id:pk>/file/", views.document_file, name="file"),
    path("documents/<id:pk>/remove/", views.document_remove, name="remove"),
    path("issued/<id:pk>/pdf/", views.rendered_file, name="rendered"),
    path("certificates/", certificate_views.certificate_list, name="certificates"),
    path("certificates/<str:number>/", certificate_views.certificate_detail, name="certificate"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate-pdf"),
]
