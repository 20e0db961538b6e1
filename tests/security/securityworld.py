"""A live server over a private copy of the adjudicated world, with API keys of chosen scopes.

Security tests need what the shared ``api`` fixture does not give: keys scoped in
particular ways, a Part 2 (substance use) claim, a content salt. Each test builds its
own server over copies of the session's databases with :func:`scoped_world`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

from interlock.api.app import create_app
from interlock.db import make_engine
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.fhir_claim import ICD10_CM_SYSTEM, NPI_SYSTEM, POS_SYSTEM
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    settings_for,
    write_api_keys,
)
from interlock.domains.claims.testing.handmade import GOOD_NPI, add_claim
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import SearchIndex

#: A key the clearinghouse feed gets: ingest in north/commercial, no restricted sensitivity.
INGEST_KEY = "ilk_security_ingest_key_0123456789abcdef"
INGEST_SCOPE = (
    'assignments = ["north/commercial"]\nsensitivities = []\ntasks = { "claims.ingest" = ["create"] }\n'
)
#: A Part 2 (42 CFR Part 2, substance use) claim in north/commercial, left in review.
PART2_CLAIM = "RV-P2"
PART2_NOTE = "Part2 canary: opioid use disorder, methadone programme."


@contextmanager
def scoped_world(
    directory: Path, adjudicated: Path, issuer: TokenIssuer, *, part2: bool = False, **settings: Any
) -> Iterator[ApiWorld]:
    """A server over copies of ``adjudicated`` with :data:`SERVICE_KEY` (full) and :data:`INGEST_KEY`."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, directory / name)
    base = settings_for(directory, issuer)
    keys = write_api_keys(
        directory / "scoped-keys.toml",
        {SERVICE_KEY: "batch", INGEST_KEY: "clearinghouse"},
        scopes={INGEST_KEY: INGEST_SCOPE},
    )
    sor, store = make_engine(base.sor_url), make_engine(base.store_url)
    if part2:
        add_claim(
            sor,
            PART2_CLAIM,
            lines=(("X2002", 1, "2500.00"),),
            notes=(PART2_NOTE,),
            sensitivity="substance_use",
        )
        # Index the documents, so that /v1/ask has the Part 2 note to find (or to withhold).
        sync_index(SearchIndex(store), SqlDocumentSource(sor), now=datetime.now(UTC))
    app = create_app(base.model_copy(update={"api_keys_file": keys, **settings}))
    with LiveServer(app) as server:
        world = ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
        if part2:
            with httpx.Client(base_url=server.url, headers={"X-API-Key": SERVICE_KEY}) as service:
                run = service.post(f"/v1/tasks/claims.adjudicate/{PART2_CLAIM}")
                assert run.json()["route"] == "review", run.text
        yield world
    sor.dispose()
    store.dispose()


FHIR = {"Content-Type": "application/fhir+json"}


def review_bound_claim(
    value: str, *, code: str = "E11.9", note: str = "Patient reports knee pain."
) -> dict[str, Any]:
    """A valid FHIR R4 Claim for member M1 (north, commercial) that the rules send to review.

    Knee arthroscopy with a note that meets no criterion and no model: a person decides it.
    """
    service_day = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    return {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:example:clearinghouse", "value": value}],
        "status": "active",
        "use": "claim",
        "type": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]
        },
        "patient": {"reference": "Patient/M1"},
        "created": f"{service_day}T10:00:00Z",
        "provider": {"identifier": {"system": NPI_SYSTEM, "value": GOOD_NPI}, "display": "Good Clinic"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/M1-PPO1"}}],
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10_CM_SYSTEM, "code": code}]},
            }
        ],
        "supportingInfo": [{"sequence": 1, "category": {"coding": [{"code": "info"}]}, "valueString": note}],
        "item": [
            {
                "sequence": 1,
                "productOrService": {"coding": [{"code": "X2002"}]},
                "servicedDate": service_day,
                "locationCodeableConcept": {"coding": [{"system": POS_SYSTEM, "code": "11"}]},
                "quantity": {"value": 1},
                "net": {"value": 2500.00, "currency": "USD"},
            }
        ],
        "total": {"value": 2500.00, "currency": "USD"},
    }


def post_fhir(client: httpx.Client, claim: dict[str, Any]) -> httpx.Response:
    """POST ``claim`` as FHIR JSON."""
    return client.post("/v1/claims/fhir", content=json.dumps(claim), headers=FHIR)
