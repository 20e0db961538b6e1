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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.prompts import extract_request_payload
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.model_server import Reply, ScriptedModelServer, echo_policies_responder
from interlock.engine import EngineSettings, ItemResult
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion
from interlock.models.observed import ObservedModel
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

_A = TypeVar("_A", bound=ModelAnswer)

NOTE = "Completed eight weeks of supervised physical therapy without relief. MRI confirms a meniscal tear."
Responder = Callable[[dict[str, Any]], str | Reply]


def _answer(
    request: dict[str, Any], *, finding: Any, confidence: Any, citations: list[dict[str, str]] | None = None
) -> str:
    """``finding`` for every numbered criterion of every policy asked, each citing ``citations``."""
    payload = extract_request_payload(request["messages"])
    return json.dumps(
        {
            "policies": [
                {
                    "policy_id": p["policy_id"],
                    "confidence": confidence,
                    "rationale": "r",
                    "criteria": [
                        {"criterion": c["criterion"], "finding": finding, "citations": citations or []}
                        for c in p["criteria"]
                    ],
                }
                for p in payload["policies"]
            ]
        }
    )


_ECHO_MET = echo_policies_responder("met", 0.99)


def _answer_met(request: dict[str, Any]) -> str:
    """A correct, confident answer citing, for each criterion, the note sentence about it."""
    answer = _ECHO_MET(request)
    return answer if isinstance(answer, str) else answer.content or ""


def _nonsense(request: dict[str, Any]) -> str:
    """Schema-valid and confident, but citing words that are in no note."""
    quote = {
        "item_id": "note:X-N1@2026-01-01T00:00:00",
        "quote": "fourteen weeks of aquatic therapy were documented",
    }
    return _answer(request, finding="met", confidence=0.99, citations=[quote])


def _wrong_types(request: dict[str, Any]) -> str:
    return _answer(request, finding="approved", confidence="very high")


FAULTS: dict[str, Callable[[float], Responder]] = {
    "latency": lambda d: lambda r: Reply(content=_answer_met(r), delay=d * 0.3),
    "timeout": lambda d: lambda _r: Reply(content="{}", delay=d * 3),
    "http_429": lambda _d: lambda _r: Reply(status=429),
    "http_500": lambda _d: lambda _r: Reply(status=500),
    "http_503": lambda _d: lambda _r: Reply(status=503),
    "connection_reset": lambda _d: lambda _r: Reply(reset=True),
    "trickle": lambda d: (
        lambda r: Reply(content=_answer(r, finding="met", confidence=0.99), trickle_seconds=d * 4)
    ),
    "truncated_json": lambda _d: lambda r: _answer(r, finding="met", confidence=0.99)[:40],
    "malformed_json": lambda _d: lambda _r: "Sure! The criteria look met to me.",
    "schema_valid_nonsense": lambda _d: _nonsense,
    "empty_content": lambda _d: lambda _r: "",
    "wrong_types": lambda _d: _wrong_types,
}

#: Faults that are outages: their claims are deferred and, past the budget, reviewed.
OUTAGES = frozenset({"timeout", "http_429", "http_500", "http_503", "connection_reset", "trickle"})


class _CountingModel:
    """Counts model calls made by the current work-item try, to check the retry bound."""

    def __init__(self, inner: ModelClient) -> None:
        self.inner = inner
        self.local = threading.local()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        self.local.calls = getattr(self.local, "calls", 0) + 1
        return self.inner.ask(question, timeout=timeout)


class _Switch:
    """Answers with the fault until ``faulty`` is cleared, then like a healthy model."""

    def __init__(self, fault: Responder) -> None:
        self.fault = fault
        self.faulty = True

    def __call__(self, request: dict[str, Any]) -> str | Reply:
        return self.fault(request) if self.faulty else _answer_met(request)


@dataclass(slots=True, kw_only=True)
class FaultOutcome:
    """Where the claims of one fault ended, during the fault and after it cleared."""

    fault: str
    claims: int
    during: Counter[str] = field(default_factory=Counter)
    final: Counter[str] = field(default_factory=Counter)
    drain_seconds: float = 0.0
    max_overrun_seconds: float = 0.0
    max_attempts_per_try: int = 0
    writes_during_fault: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "fault": self.fault,
            "claims": self.claims,
            "during_fault": dict(self.during),
            "after_recovery": dict(self.final),
            "drain_seconds": round(self.drain_seconds, 2),
            "max_overrun_seconds": round(self.max_overrun_seconds, 3),
            "max_attempts_per_try": self.max_attempts_per_try,
            "writes_during_fault": self.writes_during_fault,
            "top_reason": self.reasons.most_common(1)[0][0] if self.reasons else "",
        }


def _backlog(workdir: Path, fault: str, claims: int) -> tuple[Engine, Engine, list[str]]:
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
    return sor, store, ids


def _adjudications(sor: Engine) -> int:
    with sor.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.adjudications)).scalar_one())


def run_fault(
    fault: str,
    *,
    claims: int,
    deadline: float,
    workdir: Path,
    concurrency: int = 8,
    fault_seconds: float = 6.0,
    settings: EngineSettings | None = None,
) -> FaultOutcome:
    """Decide a backlog while the model misbehaves for ``fault_seconds``, then let it drain.

    Phase one runs under the fault; whatever has not ended (deferred items) is counted
    as deferred. Then the model recovers and the same runner drains the rest; the time
    that takes is the drain time.
    """
    sor, store, ids = _backlog(workdir, fault, claims)
    outcome = FaultOutcome(fault=fault, claims=claims)
    switch = _Switch(FAULTS[fault](deadline))
    with ScriptedModelServer(switch) as server:
        # Observed as every configured model is: each call is a model span and counted in the metrics.
        model = _CountingModel(
            ObservedModel(OpenAICompatibleModel("faulty", base_url=server.base_url, api_key="fault-run"))
        )
        engine = build_engine(
            "claims.adjudicate",
            connector=SqlClaimsConnector(sor),
            store=WorkStore(store, AuditLog(store)),
            principal=service_principal(),
            model=model,
            settings=settings
            or EngineSettings(deadline_seconds=deadline, max_defers=5, defer_base_seconds=0.5),
        )
        process = engine.process
        lock = threading.Lock()

        def timed(record_id: str) -> ItemResult:
            model.local.calls = 0
            started = time.monotonic()
            try:
                return process(record_id)
            finally:
                elapsed = time.monotonic() - started
                with lock:
                    outcome.max_overrun_seconds = max(outcome.max_overrun_seconds, elapsed - deadline)
                    outcome.max_attempts_per_try = max(outcome.max_attempts_per_try, model.local.calls)

        engine.process = timed  # type: ignore[method-assign]
        # The runner hands back still-waiting items (defer or busy) when its time is up.
        first = [
            r
            for r in run_claims(engine, ids, concurrency=concurrency, max_wait_seconds=fault_seconds)
            if r.route not in ("defer", "busy")
        ]
        outcome.writes_during_fault = _adjudications(sor)
        for result in first:
            outcome.during[f"{result.route}:{result.outcome}"] += 1
            outcome.reasons[result.reason.split(":")[0][:60]] += 1
        finished = {r.record_id for r in first}
        waiting = [c for c in ids if c not in finished]
        if waiting:
            outcome.during["deferred"] += len(waiting)
        switch.faulty = False
        started = time.monotonic()
        second = [
            r
            for r in run_claims(engine, waiting, concurrency=concurrency, max_wait_seconds=120)
            if r.route not in ("defer", "busy")
        ]
        outcome.drain_seconds = time.monotonic() - started if waiting else 0.0
        for result in [*first, *second]:
            outcome.final[f"{result.route}:{result.outcome}"] += 1
        if len(second) < len(waiting):
            outcome.final["unfinished"] += len(waiting) - len(second)
    sor.dispose()
    store.dispose()
    return outcome


def run_all(*, claims: int, deadline: float, faults: list[str] | None = None) -> list[FaultOutcome]:
    """Run every fault (or the named ones), each on its own backlog, in a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="interlock-faults-") as folder:
        return [
            run_fault(name, claims=claims, deadline=deadline, workdir=Path(folder))
            for name in faults or list(FAULTS)
        ]


class ClaimsFaultDrill:
    """The claims fault drill as ``interlock faults run`` sees it (``Domain.faults``)."""

    @property
    def names(self) -> list[str]:
        """The fault modes, in the order they run."""
        return list(FAULTS)

    def run(self, *, records: int, deadline: float, faults: Sequence[str]) -> list[FaultOutcome]:
        """Run the named faults, each on its own backlog of ``records`` claims."""
        return run_all(claims=records, deadline=deadline, faults=list(faults))
