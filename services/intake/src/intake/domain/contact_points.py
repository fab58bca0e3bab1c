"""Phone numbers and email addresses as intake stores them: E.164 and normalised addresses."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_PHONE_REGION = "CN"
MAX_PHONE_INPUT_CHARS = 64
MAX_EMAIL_CHARS = 254


class InvalidContactPoint(ValueError):
    """A phone number or email address that cannot be used to reach anyone."""


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """The number in E.164 (`+8613800138000`); national numbers are read in `region` (China by default)."""
    text = value.strip()
    if not text:
        raise InvalidContactPoint("must not be empty")
    if len(text) > MAX_PHONE_INPUT_CHARS:
        raise InvalidContactPoint(f"is longer than {MAX_PHONE_INPUT_CHARS} characters")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as problem:
        raise InvalidContactPoint(f"is not a phone number ({problem._msg})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContactPoint("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    """The address with its domain lower-cased and IDNA-checked; deliverability is not checked (no I/O)."""
    text = value.strip()
    if not text:
        raise InvalidContactPoint("must not be empty")
    if len(text) > MAX_EMAIL_CHARS:
        raise InvalidContactPoint(f"is longer than {MAX_EMAIL_CHARS} characters")
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as problem:
        raise InvalidContactPoint(f"is not a valid email address ({problem})") from None
    except Exception:  # the validator's IDNA layer can fail on exotic input; still just "invalid"
        raise InvalidContactPoint("is not a valid email address") from None
    return checked.normalized
