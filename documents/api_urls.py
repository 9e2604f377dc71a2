from django.urls import path

from . import api, api_certificates

app_name = "documents-api"

urlpatterns = [
    path("document-requirements/", api.RequirementList.as_view(), name="requirements"),
    path("applications/<id:pk>/documents/", api.ApplicationDocuments.as_view(), name="application-documents"),
    path("applications/<id:pk>/documents/<id:doc>/", api.ApplicationDocumentDetail.as_view(), name="document"),
    path("applications/<id:pk>/documents/<id:doc>/file", api.DocumentFile.as_view(), name="document-file"),
    path("applications/<id:pk>/issued/", api.ApplicationIssued.as_view(), name="application-issued"),
    path("issued/<id:pk>/pdf", api.IssuedPdf.as_view(), name="issued-pdf"),
    path("certificates/<str:number>/pdf", api.CertificatePdf.as_view(), name="certificate-pdf"),
    path("certificates/<str:number>/suspend/", api_certificates.CertificateSuspend.as_view(), name="certificate-suspend"),
    path("certificates/<str:number>/restore/", api_certificates.CertificateRestore.as_view(), name="certificate-restore"),
    path("certificates/<str:number>/revoke/", api_certificates.CertificateRevoke.as_view(), name="certificate-revoke"),
    path("public/certificates/<str:number>/", api.PublicCertificate.as_view(), name="public-certificate"),
]
