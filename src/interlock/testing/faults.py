"""A catalogue of model faults, and a run that shows which state each one ends in.

``interlock faults run`` starts the loopback OpenAI-compatible server in one fault mode
at a time, sends it claims that need a medical-necessity judgement through the real
engine (adapter, retries, deadline, deferral, gate), and reports where every claim
ended. The expected answers: outages are deferred and, once the retry budget is spent,
reviewed with the reason; invalid or dishonest output is never written; slow answers
are abandoned at the deadline.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from interlock.audit.chain import AuditLog
from interlock.connectors.sql_claims import SqlClaimsConnector
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.prompts import extract_request_payload
from interlock.engine import ClaimsEngine, EngineSettings
from interlock.models.base import NecessityAssessment, NecessityRequest
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.testing.handmade import add_claim, seed_reference
from interlock.testing.model_server import Reply, ScriptedModelServer
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

NOTE = "Completed eight weeks of supervised physical therapy without relief. MRI confirms a meniscal tear."
Responder = Callable[[dict[str, Any]], str | Reply]


def _answer(request: dict[str, Any], **policy: Any) -> str:
    payload = extract_request_payload(request["messages"])
    ids = [p["policy_id"] for p in payload["policies"]]
    return json.dumps(
        {"policies": [{"policy_id": pid, "rationale": "r", "citations": [], **policy} for pid in ids]}
    )


def _answer_met(request: dict[str, Any]) -> str:
    """A correct, confident answer citing the first note verbatim."""
    payload = extract_request_payload(request["messages"])
    note = payload["notes"][0]
    quote = {"item_id": note["item_id"], "quote": note["text"][:60]}
    return _answer(request, status="met", confidence=0.99, citations=[quote])


def _nonsense(request: dict[str, Any]) -> str:
    """Schema-valid and confident, but citing words that are in no note."""
    quote = {
        "item_id": "note:X-N1@2026-01-01T00:00:00",
        "quote": "fourteen weeks of aquatic therapy were documented",
    }
    return _answer(request, status="met", confidence=0.99, citations=[quote])


def _wrong_types(request: dict[str, Any]) -> str:
    return _answer(request, status="approved", confidence="very high")


FAULTS: dict[str, Callable[[float], Responder]] = {
    "latency": lambda d: lambda r: Reply(content=_answer_met(r), delay=d * 0.3),
    "timeout": lambda d: lambda _r: Reply(content="{}", delay=d * 3),
    "http_429": lambda _d: lambda _r: Reply(status=429),
    "http_500": lambda _d: lambda _r: Reply(status=500),
    "http_503": lambda _d: lambda _r: Reply(status=503),
    "connection_reset": lambda _d: lambda _r: Reply(reset=True),
    "trickle": lambda d: (
        lambda r: Reply(content=_answer(r, status="met", confidence=0.99), trickle_seconds=d * 4)
    ),
    "truncated_json": lambda _d: lambda r: _answer(r, status="met", confidence=0.99)[:40],
    "malformed_json": lambda _d: lambda _r: "Sure! The criteria look met to me.",
    "schema_valid_nonsense": lambda _d: _nonsense,
    "empty_content": lambda _d: lambda _r: "",
    "wrong_types": lambda _d: _wrong_types,
}

#: Faults that are outages: their claims are deferred and, past the budget, reviewed.
OUTAGES = frozenset({"timeout", "http_429", "http_500", "http_503", "connection_reset", "trickle"})


def outage_then_recovery(down_seconds: float) -> Responder:
    """503 for ``down_seconds`` after the first request, then correct answers."""
    started: list[float] = []

    def respond(request: dict[str, Any]) -> str | Reply:
        if not started:
            started.append(time.monotonic())
        if time.monotonic() - started[0] < down_seconds:
            return Reply(status=503)
        return _answer_met(request)

    return respond


class _CountingModel:
    """Counts model calls per claim, to check the retry bound from the outside."""

    def __init__(self, inner: OpenAICompatibleModel) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def assess(self, request: NecessityRequest, *, timeout: float) -> NecessityAssessment:
        with self._lock:
            self.calls[request.claim_id] += 1
        return self.inner.assess(request, timeout=timeout)


@dataclass(slots=True, kw_only=True)
class FaultOutcome:
    """Where the claims of one fault ended, and the bounds that were checked."""

    fault: str
    claims: int
    states: Counter[str] = field(default_factory=Counter)
    max_overrun_seconds: float = 0.0
    max_attempts_per_try: int = 0
    adjudications: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "fault": self.fault,
            "claims": self.claims,
            "states": dict(self.states),
            "max_overrun_seconds": round(self.max_overrun_seconds, 3),
            "max_attempts_per_try": self.max_attempts_per_try,
            "adjudications_written": self.adjudications,
            "top_reason": self.reasons.most_common(1)[0][0] if self.reasons else "",
        }


def run_fault(
    fault: str,
    *,
    claims: int,
    deadline: float,
    workdir: Path,
    concurrency: int = 8,
    responder: Responder | None = None,
    settings: EngineSettings | None = None,
) -> FaultOutcome:
    """Decide ``claims`` knee-arthroscopy claims against a server in ``fault`` mode."""
    sor = make_engine(f"sqlite:///{workdir / f'{fault}-sor.db'}")
    store = make_engine(f"sqlite:///{workdir / f'{fault}-store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    ids = [f"F{n:05d}" for n in range(claims)]
    for n, claim_id in enumerate(ids):
        # Distinct service dates: identical claims would rightly be denied as duplicates.
        service = date(2025, 1, 1) + timedelta(days=n % 360)
        add_claim(
            sor,
            claim_id,
            service_date=service,
            received_date=service + timedelta(days=5),
            lines=(("X2002", 1, f"{1000 + n}.00"),),
            notes=(NOTE,),
        )
    outcome = FaultOutcome(fault=fault, claims=claims)
    durations: dict[str, float] = defaultdict(float)
    tries: Counter[str] = Counter()
    with ScriptedModelServer(responder or FAULTS[fault](deadline)) as server:
        model = _CountingModel(OpenAICompatibleModel("faulty", base_url=server.base_url, api_key="fault-run"))
        engine = ClaimsEngine(
            connector=SqlClaimsConnector(sor),
            store=WorkStore(store, AuditLog(store)),
            principal=service_principal(),
            model=model,
            settings=settings
            or EngineSettings(deadline_seconds=deadline, max_defers=2, defer_base_seconds=0.1),
        )
        process = engine.process

        def timed(claim_id: str) -> Any:
            started = time.monotonic()
            try:
                return process(claim_id)
            finally:
                elapsed = time.monotonic() - started
                tries[claim_id] += 1
                durations[claim_id] = max(durations[claim_id], elapsed)

        engine.process = timed  # type: ignore[method-assign]
        results = run_claims(engine, ids, concurrency=concurrency, max_wait_seconds=120)
    for result in results:
        outcome.states[f"{result.route}:{result.outcome}"] += 1
        outcome.reasons[result.reason.split(":")[0][:60]] += 1
    outcome.max_overrun_seconds = max((d - deadline for d in durations.values()), default=0.0)
    outcome.max_attempts_per_try = max((-(-model.calls[c] // max(tries[c], 1)) for c in ids), default=0)
    with sor.connect() as conn:
        outcome.adjudications = int(
            conn.execute(select(func.count()).select_from(t.adjudications)).scalar_one()
        )
    sor.dispose()
    store.dispose()
    return outcome


def run_all(*, claims: int, deadline: float, faults: list[str] | None = None) -> list[FaultOutcome]:
    """Run every fault (or the named ones), then an outage that recovers, in a scratch folder."""
    names = faults or [*FAULTS, "outage_recovery"]
    outcomes: list[FaultOutcome] = []
    with tempfile.TemporaryDirectory(prefix="interlock-faults-") as folder:
        for name in names:
            if name == "outage_recovery":
                # Long enough a deferral budget to outlast a three-second outage.
                recovering = EngineSettings(deadline_seconds=deadline, max_defers=8, defer_base_seconds=0.5)
                outcomes.append(
                    run_fault(
                        name,
                        claims=claims,
                        deadline=deadline,
                        workdir=Path(folder),
                        responder=outage_then_recovery(3.0),
                        settings=recovering,
                    )
                )
            else:
                outcomes.append(run_fault(name, claims=claims, deadline=deadline, workdir=Path(folder)))
    return outcomes
