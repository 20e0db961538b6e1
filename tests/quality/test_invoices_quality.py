"""Quality measured in production on invoices: the same sampling, measuring and closing as claims.

A seeded ERP (the invoices generator, with its truth file) on SQLite; Interlock's store
on SQLite, then on PostgreSQL, at the newest revision. Invoices are decided by the real
engine (``invoices.approve``); each sampled invoice is decided blind through the real
review desk by its company's controller, as the truth file says, naming the expense
account of an invoice without a purchase order. Agreement is on the outcome, the
reason code, the released amount and every line's posting.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from reviewers import Tally, decide_samples, eval_from_reviews, money, quality_cli, withheld_decisions
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims.testing.model_server import ScriptedModelServer
from interlock.domains.invoices.connector import SqlInvoicesConnector
from interlock.domains.invoices.evaluation import evaluate as evaluate_erp
from interlock.domains.invoices.evaluation import read_truth
from interlock.domains.invoices.generator import seed
from interlock.domains.invoices.pack import create_schema
from interlock.domains.invoices.question import AccountRequest
from interlock.domains.invoices.task import InvoicesApprove
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings
from interlock.models.base import ModelClient
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.principal import Principal, service_principal
from interlock.quality.config import QualitySettings, TaskQuality
from interlock.quality.store import path_state
from interlock.store.migrations import prepare_store
from interlock.store.schema import quality_samples
from interlock.task import PersonDecision
from interlock.testing.function_model import FunctionModel
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

TASK = "invoices.approve"
SERVICE = service_principal(attributes={"approval_limit": Decimal("25000.00")})


@dataclass
class InvoicesWorld:
    """A seeded ERP, its truth by invoice, and a store at the newest revision."""

    sor: Engine
    store: Engine
    store_url: str
    truth: dict[str, dict[str, Any]]
    truth_path: Path
    ids: list[str]

    def engine(self, model: ModelClient | None, quality: QualitySettings) -> TaskEngine[Any, Any, Any, Any]:
        """A fresh engine of the service principal."""
        return build_engine(
            TASK,
            connector=SqlInvoicesConnector(self.sor),
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=SERVICE,
            model=model,
            settings=EngineSettings(quality=quality),
        )

    def decide_samples(self, quality: QualitySettings) -> int:
        """Each company's controller decides its open sampled invoices by the truth file."""
        connector = SqlInvoicesConnector(self.sor)
        controllers: dict[str, Principal] = {}

        def controller(attributes: Mapping[str, str]) -> Principal:
            code = attributes["company_code"]
            if code not in controllers:
                found = connector.load_principal(f"S-{code}-CTRL")
                assert found is not None
                controllers[code] = found
            return controllers[code]

        def by_truth(invoice_id: str) -> PersonDecision:
            want = self.truth[invoice_id]
            if want["outcome"] == "approve":
                fields = {"account": str(want["account"])} if want.get("account") else {}
                return PersonDecision(action="approve", fields=fields)
            if want["outcome"] == "reject":
                return PersonDecision(action="reject", reason_code=str(want["reason"]))
            return PersonDecision(action="hold", comment="the documents do not settle the account")

        return decide_samples(
            task=InvoicesApprove(),
            connector=connector,
            store=self.store,
            quality=quality,
            reviewer=controller,
            decision=by_truth,
        )

    def true_precision(self) -> Tally:
        """Right / all automatic decisions: those written (``auto:``) and those withheld from reviewers."""
        written = evaluate_erp(self.sor, self.truth_path)
        correct, total = int(written["automatic_correct"]), int(written["automatic"])
        for invoice_id, kept in withheld_decisions(self.store, TASK).items():
            want = self.truth[invoice_id]
            total += 1
            facts = kept["facts"]
            right = kept["outcome"] == want["outcome"] and money(facts["approved_amount"]) == money(
                want.get("approved_amount", "0.00")
            )
            if want["outcome"] == "reject":
                right = right and kept["reason_code"] == want["reason"]
            if want["outcome"] == "approve":
                right = right and [[n, a, c, money(m)] for n, a, c, m in facts["postings"]] == [
                    [n, a, c, money(m)] for n, a, c, m in want["postings"]
                ]
            correct += right
        return Tally(correct=correct, total=total)


def invoices_world(tmp_path: Path, store_url: str, *, records: int, seed_value: int) -> InvoicesWorld:
    """Seed ``records`` backlog invoices with a small decided history (no model is trained here)."""
    sor = make_engine(f"sqlite:///{tmp_path / 'erp.db'}")
    create_schema(sor)
    truth_path = tmp_path / "truth.jsonl"
    seed(sor, records=records, seed=seed_value, truth_path=truth_path, history=50)
    store = make_engine(store_url)
    prepare_store(store)
    truth = {str(r["invoice_id"]): r for r in read_truth(truth_path)}
    return InvoicesWorld(
        sor=sor, store=store, store_url=store_url, truth=truth, truth_path=truth_path, ids=sorted(truth)
    )


def _misreads_a_quarter(truth: Mapping[str, Mapping[str, Any]]) -> FunctionModel:
    """An in-process model that names the right account for three invoices in four, another for the fourth."""

    def reply(question: AccountRequest) -> str:
        want = truth[question.invoice_id].get("account")
        candidates = sorted(c.account for c in question.candidates)
        wrong = int(hashlib.sha256(question.invoice_id.encode()).hexdigest(), 16) % 4 == 0
        account = next(a for a in candidates if a != want) if wrong or not want else want
        line = question.lines[0]
        return json.dumps(
            {
                "account": account,
                "confidence": 0.99,
                "rationale": "read from the line",
                "citations": [{"item_id": line.item_id, "quote": line.description}],
            }
        )

    return FunctionModel.replying(reply, name="misreads-a-quarter")


def test_sampled_reviews_measure_the_true_precision_of_invoice_decisions(db_url: str, tmp_path: Path) -> None:
    """With 5% sampling, eval --from-reviews reports an interval that holds the truth file's precision."""
    world = invoices_world(tmp_path, db_url, records=1600, seed_value=5)
    quality = QualitySettings(default=TaskQuality(sample_rate=0.05))
    run_claims(world.engine(_misreads_a_quarter(world.truth), quality), world.ids)
    decided = world.decide_samples(quality)
    truth = world.true_precision()

    assert abs(decided - 0.05 * truth.total) <= 4 * math.sqrt(truth.total * 0.05 * 0.95), (decided, truth)
    figures = eval_from_reviews(world.store_url, TASK)
    low, high = figures["interval"]
    assert figures["decided"] == decided and figures["awaiting"] == 0
    assert 0.5 < truth.precision < 0.97, truth
    assert low <= truth.precision <= high, (truth, figures["precision"], figures["interval"])
    by_model = {g["model"]: g for g in figures["by_model"]}
    assert by_model["function:misreads-a-quarter"]["precision"] < 1.0
    assert all(g["precision"] == 1.0 for m, g in by_model.items() if m.startswith("rules:") and g["decided"])
    # Agreement is decided on the postings line by line: a sampled approval kept them.
    with world.store.connect() as conn:
        kept = [json.loads(w) for w in conn.execute(select(quality_samples.c.withheld)).scalars()]
    assert any(k["outcome"] == "approve" and k["facts"]["postings"] for k in kept)


def _first_candidate(request: dict[str, Any]) -> str:
    """A hosted model that answers the lowest-numbered candidate account, whatever the invoice says."""
    for message in request["messages"]:
        for line in str(message.get("content") or "").splitlines():
            if line.startswith('{"lines":'):
                data = json.loads(line)
                first = data["lines"][0]
                return json.dumps(
                    {
                        "account": min(c["account"] for c in data["candidate_accounts"]),
                        "confidence": 0.99,
                        "rationale": "the first account",
                        "citations": [{"item_id": first["item_id"], "quote": first["description"]}],
                    }
                )
    raise AssertionError("no invoice data in the prompt")


def test_a_shift_closes_the_invoice_path_until_an_operator_reopens_it(db_url: str, tmp_path: Path) -> None:
    """A hosted model that codes every invoice to one account closes invoices.approve; reopening restores it."""
    world = invoices_world(tmp_path, db_url, records=900, seed_value=9)
    knobs = TaskQuality(sample_rate=0.25, target_precision=0.98, min_samples=20, window=200)
    quality = QualitySettings(default=knobs)
    first, second, third = world.ids[:250], world.ids[250:650], world.ids[650:]

    run_claims(world.engine(None, quality), first)  # rules alone: purchase-order invoices and refusals
    assert world.decide_samples(quality) >= knobs.min_samples
    assert not path_state(world.store, TASK).closed

    closed_after: int | None = None
    with ScriptedModelServer(_first_candidate) as server:
        hosted = OpenAICompatibleModel(model="one-account", base_url=server.base_url, api_key="test")
        engine = world.engine(hosted, quality)
        for start in range(0, len(second), 50):
            batch = second[start : start + 50]
            results = run_claims(engine, batch)
            if closed_after is not None:
                assert all(r.route == "review" for r in results)
                assert any(r.reason.startswith("automatic path closed: reviewers upheld") for r in results)
            world.decide_samples(quality)
            if closed_after is None and path_state(world.store, TASK).closed:
                closed_after = start + len(batch)
        assert server.responder_errors == []
    assert closed_after is not None and closed_after <= len(second) - 100, closed_after
    figures = eval_from_reviews(world.store_url, TASK, knobs)
    assert figures["path"]["state"] == "closed" and figures["current"]["below_target"], figures["current"]
    assert {g["model"]: g for g in figures["by_model"]}["openai:one-account"]["precision"] < 0.9

    assert quality_cli("quality", "reopen", "--task", TASK, "--store", world.store_url).returncode == 0
    results = run_claims(world.engine(None, quality), third)
    assert sum(r.route == "commit" for r in results) > 0.2 * len(results)
    assert AuditLog(world.store).verify().ok
