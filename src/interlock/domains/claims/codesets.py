"""Real code sets the claims domain checks against: ICD-10-CM, NPI, place of service.

ICD-10-CM validity and billability come from ``simple-icd-10-cm`` (the CDC release it
ships); a code is billable when it is a leaf of the classification. The NPI check digit
is the Luhn algorithm over ``80840`` followed by the first nine digits, as CMS defines
it. Place-of-service codes are the CMS two-digit list.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from types import ModuleType

_NPI_SHAPE = re.compile(r"^[0-9]{10}$")
_ICD_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")

# CMS place-of-service codes (the ones in current use).
PLACE_OF_SERVICE: dict[str, str] = {
    "01": "Pharmacy",
    "02": "Telehealth provided other than in patient's home",
    "03": "School",
    "04": "Homeless shelter",
    "05": "Indian Health Service free-standing facility",
    "06": "Indian Health Service provider-based facility",
    "07": "Tribal 638 free-standing facility",
    "08": "Tribal 638 provider-based facility",
    "09": "Prison/correctional facility",
    "10": "Telehealth provided in patient's home",
    "11": "Office",
    "12": "Home",
    "13": "Assisted living facility",
    "14": "Group home",
    "15": "Mobile unit",
    "16": "Temporary lodging",
    "17": "Walk-in retail health clinic",
    "18": "Place of employment/worksite",
    "19": "Off campus-outpatient hospital",
    "20": "Urgent care facility",
    "21": "Inpatient hospital",
    "22": "On campus-outpatient hospital",
    "23": "Emergency room - hospital",
    "24": "Ambulatory surgical center",
    "25": "Birthing center",
    "26": "Military treatment facility",
    "27": "Outreach site/street",
    "31": "Skilled nursing facility",
    "32": "Nursing facility",
    "33": "Custodial care facility",
    "34": "Hospice",
    "41": "Ambulance - land",
    "42": "Ambulance - air or water",
    "49": "Independent clinic",
    "50": "Federally qualified health center",
    "51": "Inpatient psychiatric facility",
    "52": "Psychiatric facility - partial hospitalization",
    "53": "Community mental health center",
    "54": "Intermediate care facility/individuals with intellectual disabilities",
    "55": "Residential substance abuse treatment facility",
    "56": "Psychiatric residential treatment center",
    "57": "Non-residential substance abuse treatment facility",
    "58": "Non-residential opioid treatment program",
    "60": "Mass immunization center",
    "61": "Comprehensive inpatient rehabilitation facility",
    "62": "Comprehensive outpatient rehabilitation facility",
    "65": "End-stage renal disease treatment facility",
    "66": "Programs of all-inclusive care for the elderly",
    "71": "Public health clinic",
    "72": "Rural health clinic",
    "81": "Independent laboratory",
    "99": "Other place of service",
}


@lru_cache(maxsize=1)
def _icd() -> ModuleType:
    # The package loads its data with a deprecated importlib API; the warning is the
    # package's, not ours, and is noise for every user of the CLI.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm  # noqa: PLC0415 - deferred: loading the code set takes a second

    module: ModuleType = simple_icd_10_cm
    return module


def normalize_icd10(code: str) -> str:
    """Upper-case ``code`` and drop its dot: the form used for comparisons."""
    return code.strip().upper().replace(".", "")


def icd10_status(code: str) -> str:
    """Classify a billed diagnosis code as ``billable``, ``not_billable`` or ``invalid``.

    The dot is optional and case does not matter (CLAIMS_POLICY.md rule 6); anything
    not shaped like an ICD-10-CM code is invalid before the code set is consulted, so
    chapter numbers and block ranges never pass.
    """
    upper = code.upper()
    if not _ICD_SHAPE.match(upper):
        return "invalid"
    if "." in upper and upper.index(".") != 3:
        return "invalid"
    icd = _icd()
    if not icd.is_valid_item(upper):
        return "invalid"
    return "billable" if icd.is_leaf(upper) else "not_billable"


def is_billable_icd10(code: str) -> bool:
    """True when ``code`` is a valid, billable ICD-10-CM code."""
    return icd10_status(code) == "billable"


@lru_cache(maxsize=1)
def billable_icd10_codes() -> tuple[str, ...]:
    """Every billable ICD-10-CM code, with dots, in the package's order."""
    icd = _icd()
    # The package also lists a few leaf blocks (``C00-C96``) that are not codes: the
    # same shape check as icd10_status keeps this list equal to what it accepts.
    return tuple(
        c for c in icd.get_all_codes(with_dots=True) if icd.is_leaf(c) and icd10_status(c) == "billable"
    )


@lru_cache(maxsize=1)
def non_billable_icd10_codes() -> tuple[str, ...]:
    """Valid ICD-10-CM categories that are not billable (they have children)."""
    icd = _icd()
    return tuple(
        c
        for c in icd.get_all_codes(with_dots=True)
        if not icd.is_leaf(c) and _ICD_SHAPE.match(c) and icd.is_category_or_subcategory(c)
    )


def icd10_description(code: str) -> str:
    """The code set's description of ``code`` (which must be valid)."""
    return str(_icd().get_description(code.upper()))


def npi_check_digit(first_nine: str) -> int:
    """The Luhn check digit of an NPI whose first nine digits are ``first_nine``."""
    digits = [int(d) for d in "80840" + first_nine]
    total = 0
    # Double every second digit starting from the right-most of the payload.
    for i, digit in enumerate(reversed(digits)):
        value = digit * 2 if i % 2 == 0 else digit
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """True when ``npi`` is ten digits whose last one is the NPI check digit."""
    if not _NPI_SHAPE.match(npi):
        return False
    return npi_check_digit(npi[:9]) == int(npi[9])


def is_valid_place_of_service(code: str) -> bool:
    """True when ``code`` is a CMS place-of-service code."""
    return code in PLACE_OF_SERVICE
