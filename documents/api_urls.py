from django.urls import path

from . import api

app_name = "documents-api"

urlpatterns = [
    path("document-requirements/", api.RequirementList.as_view(), name="requirements"),
    path("applications/<int:pk>/documents/", api.ApplicationDocuments.as_view(), name="application-documents"),
    path("applications/<int:pk>/documents/<int:doc>/", api.ApplicationDocumentDetail.as_view(), name="document"),
    path("applications/<int:pk>/documents/<int:doc>/file", api.DocumentFile.as_view(), name="document-file"),
    path("applications/<int:pk>/answer-files/", api.ApplicationAnswerFiles.as_view(), name="application-answer-files"),
    path("applications/<int:pk>/issued/", api.ApplicationIssued.as_view(), name="application-issued"),
    path("issued/<int:pk>/pdf", api.IssuedPdf.as_view(), name="issued-pdf"),
    path("certificates/<str:number>/pdf", api.CertificatePdf.as_view(), name="certificate-pdf"),
    path("public/certificates/<str:number>/", api.PublicCertificate.as_view(), name="public-certificate"),
]
