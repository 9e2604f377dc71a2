import pytest
from django.core.exceptions import ValidationError

from approvals.validators import credit_code_check_char, validate_credit_code

# The GB 32100-2015 worked example and a published enterprise code.
VALID = [
    "91350100M000100Y43",  # a GB 32100 worked example
    "91110000802100433B",
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code,reason", [
    ("91350100M000100Y44", "check_digit"),   # last character changed
    ("91350100M000100Y4", "length"),
    ("91350100M000100Y433", "length"),
    ("91350100M0001O0Y43", "charset"),       # the letter O is not in the charset
    ("9135010IM000100Y43", "charset"),       # nor is I
    ("91A50100M000100Y43", "region"),        # positions 3-8 are a region code
    ("", "length"),
])
def test_invalid_codes_fail_with_a_reason(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == reason


def test_every_single_character_change_is_caught():
    code = VALID[0]
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for replacement in charset:
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1:]
            if position in range(2, 8) and not replacement.isdigit():
                continue
            with pytest.raises(ValidationError):
                validate_credit_code(mutated)
