"""Provider identifiers and diagnosis codes as an outside payer bills them.

NPIs carry a Luhn check digit computed over the identifier prefixed with 80840 (the
card issuer prefix the NPI standard assigns). Diagnosis codes are a short hand-picked
list of real, billable ICD-10-CM codes; the invalid ones are categories that are not
billable on their own, or strings that are no code at all.
"""

from __future__ import annotations

from random import Random
from typing import Final

#: Codes that look like ICD-10-CM but are not billable (a category) or do not exist.
INVALID_DIAGNOSES: Final = (
    "M54.5",
    "E11",
    "J45.9",
    "N18.3",
    "M48.06",
    "R51",
    "M17",
    "Z68.4",
    "F10.2",
    "I83.8",
    "G47.3",
    "XYZ12",
    "M99.99X",
    "E66.0",
    "M75.1",
    "Q99.99",
    "J34",
    "G56.0",
    "B2O",
    "E11.6",
)


def npi_check_digit(first_nine: str) -> int:
    """The Luhn check digit of an NPI whose first nine digits are ``first_nine``."""
    digits = [int(d) for d in "80840" + first_nine]
    total = 0
    # Walking from the right, the digit next to the (missing) check digit is doubled.
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10


def make_npi(rng: Random) -> str:
    """A fresh ten-digit NPI with a valid check digit (starting with 1 or 2, as issued)."""
    first = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(8))
    return first + str(npi_check_digit(first))


def npi_is_valid(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit of the first nine."""
    return len(npi) == 10 and npi.isdigit() and int(npi[9]) == npi_check_digit(npi[:9])


def spoil_check_digit(npi: str) -> str:
    """The same NPI with a wrong check digit."""
    return npi[:9] + str((int(npi[9]) + 1 + int(npi[3]) % 8) % 10)


def as_billed(code: str, rng: Random) -> str:
    """A code written the way a billing system might send it: dot or not, upper or lower case."""
    roll = rng.random()
    if roll < 0.12:
        return code.replace(".", "")
    if roll < 0.18:
        return code.lower()
    return code


def normalize_diagnosis(code: str) -> str:
    """Upper case without the dot, the form codes are compared in."""
    return code.replace(".", "").strip().upper()
