"""The domain core: agencies and their users, rule sets, applications and certificates."""

from .agencies import Agency, User
from .applications import (
    Application,
    ApplicationStatus,
    ApplicationTrack,
    ApplicationType,
    Deficiency,
    ScopeItem,
    StatusChange,
)
from .certificates import (
    Certificate,
    CertificateAction,
    CertificateSerial,
    CertificateStatus,
    CertificateVersion,
    ImmutableRecord,
)
from .codes import NumberCode
from .rules import RuleSet

__all__ = [
    "Agency",
    "Application",
    "ApplicationStatus",
    "ApplicationTrack",
    "ApplicationType",
    "Certificate",
    "CertificateAction",
    "CertificateSerial",
    "CertificateStatus",
    "CertificateVersion",
    "Deficiency",
    "ImmutableRecord",
    "NumberCode",
    "RuleSet",
    "ScopeItem",
    "StatusChange",
    "User",
]
