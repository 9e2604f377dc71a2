"""Validators for the identifiers the domain is built on."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters a unified social credit code may use (no I, O, S, V, Z).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, computed mod 31 from the first 17."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """统一社会信用代码: 18 characters of the GB 32100 charset, a 6-digit region, a valid check digit."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="length")
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有无效字符：%(chars)s。"), code="charset", params={"chars": "".join(bad)}
        )
    if not code[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码第3至8位应为行政区划代码（数字）。"), code="region")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确。"), code="check_digit")


# A standard's number: a code of capital letters (GB, GB/T, HJ, JJG, SN/T, DB52/T, ISO, …), digits with
# dots, parts or dashes, and usually a year (GB 5009.229-2016, GB/T 5750.4-2023, ISO 6579-1:2017).
STANDARD_NUMBER = re.compile(r"(?<![A-Za-z])[A-Z]{1,6}(?:\d{0,3})?(?:/[A-Z]{1,6}\d{0,3})?\s*\d+(?:[.\-]\d+)*(?:[-—:：]\d{4})?")


def validate_standard_reference(value: str) -> None:
    """依据的标准（方法）: the text must name at least one standard by its number."""
    if not STANDARD_NUMBER.search((value or "").upper().replace("／", "/")):
        raise ValidationError(
            _("请写明标准编号，例如“GB 5009.229-2016”或“GB/T 5750.4-2023”。"), code="standard_number"
        )
