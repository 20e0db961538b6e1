"""Diagnosis pools per clinical area, and the broken codes rule 6 is tested with.

Every code is checked against the installed ICD-10-CM release before a seed uses it:
a curated code the release disagrees with would silently change the ground truth.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import lru_cache

from interlock.domains.claims import codesets
from interlock.domains.claims.seeding.basics import pick, words

DIAGNOSES: dict[str, tuple[str, ...]] = {
    "general": words("I10 E78.5 J06.9 R53.83 K21.9 E11.9 J20.9 M25.511 R10.9 N39.0 E03.9 J30.9"),
    "preventive": words("Z00.00 Z00.01"),
    "lab": words("E78.5 E11.9 R73.03 D64.9 E03.9 Z79.899"),
    "imaging": words("R07.9 R51.9 R10.9 R05.9 J18.9 Z12.31 N20.0"),
    "knee": words("M25.561 M25.562 M23.221 M23.222 S83.241A S83.242A M17.11 M17.12 M23.205"),
    "spine": words("M54.50 M54.51 M54.59 M54.16 M54.17 M51.16 M51.17 M48.062 M54.41 M54.42"),
    "gi": words("K21.9 K57.30 R19.5 Z12.11 K25.9 K92.1"),
    "therapy": words("M25.561 M54.50 M62.81 R26.89 Z96.651 M75.101 S83.241D"),
    "sleep": words("G47.33 G47.30 R06.83 G47.10 G47.411 G47.61"),
    "weight": words("E66.01 Z68.41 Z68.42 Z68.35 Z68.36 E11.9 I10 G47.33"),
    "diabetes": words("E11.65 E11.9 E10.65 E10.9 E11.649 Z79.4 E11.22"),
    "vitd": words("E55.9 N18.30 N18.31 N18.32 K90.0 M81.0 R53.83"),
    "genetics": words("Z80.3 Z15.01 C50.911 Z80.41 Z85.3 Z15.02"),
    "behavioral": words("F32.1 F32.9 F33.1 F41.1 F43.10 F32.A F41.0"),
    "substance": words("F10.20 F11.20 F12.20 F10.10 F11.10 F14.20"),
    "hiv": words("B20 Z21"),
    "surgery": words("M17.11 M17.12 I25.10 I25.110 M48.062 M48.061"),
    "cosmetic": words("H02.831 H02.834 H02.832"),
}

INVALID_DIAGNOSES: tuple[str, ...] = words(
    """
    Z99.999 XYZ12 E11.999 M54.99 K21.90 R52.0 12345
    """
)
"""Codes that are not ICD-10-CM codes at all (typos, invented, wrong shape)."""

NON_BILLABLE_DIAGNOSES: tuple[str, ...] = words(
    """
    M54.5 E11 J45.9 N18.3 M23.2 S83.24 I25.1 M17.1 G47.3 K57.3
    """
)
"""Valid ICD-10-CM categories and subcategories that have children, so are not billable."""


@lru_cache(maxsize=1)
def verified_code_pools() -> dict[str, tuple[str, ...]]:
    """The diagnosis pools, after checking each code against the code set.

    A curated code that the installed ICD-10-CM release does not list as billable (or an
    "invalid" one that it does accept) would silently change the ground truth, so the
    check fails loudly instead.
    """
    for area, codes in DIAGNOSES.items():
        for code in codes:
            if not codesets.is_billable_icd10(code):
                raise ValueError(f"diagnosis {code} of area {area} is not billable")
    for code in INVALID_DIAGNOSES:
        if codesets.icd10_status(code) != "invalid":
            raise ValueError(f"{code} was expected to be invalid")
    for code in NON_BILLABLE_DIAGNOSES:
        if codesets.icd10_status(code) != "not_billable":
            raise ValueError(f"{code} was expected to be valid but not billable")
    return dict(DIAGNOSES)


_SENSITIVE_PREFIXES = ("F", "B20", "Z21", "O", "Z3", "R75", "Z71.4", "Z71.5")


@lru_cache(maxsize=1)
def secondary_diagnoses() -> tuple[str, ...]:
    """Billable codes usable as an incidental extra diagnosis on any claim.

    Mental health, substance use, HIV and pregnancy codes are left out: on a real
    platform they would have set the claim's sensitivity at intake. Each code is also
    re-checked with ``is_billable_icd10``, because the package's leaf list includes a
    few block ranges and placeholder codes that the shape check rejects.
    """
    return tuple(
        c
        for c in codesets.billable_icd10_codes()
        if not c.startswith(_SENSITIVE_PREFIXES) and codesets.is_billable_icd10(c)
    )


def draw(
    rng: random.Random, pools: dict[str, tuple[str, ...]], secondary: Sequence[str], area: str, mode: str
) -> list[str]:
    """Diagnosis codes as billed: clinically plausible, and spelled or broken as asked."""
    pool = pools.get(area, pools["general"])
    roll = rng.random()
    n = 1 if roll < 0.5 else 2 if roll < 0.85 else 3
    codes = [pick(rng, pool)]
    for _ in range(n - 1):
        code = pick(rng, pool)
        if code not in codes:
            codes.append(code)
    if rng.random() < 0.08:
        codes.append(pick(rng, secondary))
    if mode == "forms":
        i = rng.randrange(len(codes))
        code = codes[i]
        form = rng.randrange(3) if "." in code else 0
        codes[i] = (code.lower(), code.replace(".", ""), code.replace(".", "").lower())[form]
    elif mode in ("invalid", "nonbillable"):
        bad = INVALID_DIAGNOSES if mode == "invalid" else NON_BILLABLE_DIAGNOSES
        codes.insert(rng.randint(0, len(codes)), pick(rng, bad))
    return codes
