"""Finding 9: an identifier conflict says nothing about a claim the caller may not see."""

from __future__ import annotations

from pathlib import Path

from securityworld import post_fhir, review_bound_claim, scoped_world

from interlock.domains.claims.fhir_claim import claim_id_for
from interlock.domains.claims.testing.api_world import TokenIssuer


def test_a_conflict_with_an_out_of_scope_claim_names_nothing(
    tmp_path: Path, adjudicated: Path, issuer: TokenIssuer
) -> None:
    """A2 (south) reusing A1's identifier gets the very answer A1 gets for a conflict of its own."""
    with scoped_world(tmp_path, adjudicated, issuer) as world:
        north = review_bound_claim("SHARED-1")
        with world.client("A1") as a1:
            assert post_fhir(a1, north).status_code == 201
            changed = review_bound_claim("SHARED-1", code="E11.65")
            own = post_fhir(a1, changed)
        south = dict(review_bound_claim("SHARED-1"), patient={"reference": "Patient/M2"})
        with world.client("A2") as a2:
            theirs = post_fhir(a2, south)
    hidden = claim_id_for("urn:example:clearinghouse", "SHARED-1")
    assert (own.status_code, theirs.status_code) == (409, 409)
    assert hidden not in theirs.text and "SHARED-1" not in theirs.text
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(own) == strip(theirs)
