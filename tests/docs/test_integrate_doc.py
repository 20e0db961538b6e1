"""docs/integrate.md cannot rot: its code is the example package, and the example runs end to end.

The tutorial quotes every file of ``examples/tickets_refund`` (and the in-memory test
``tests/docs/test_tickets_refund.py``) whole; these tests hold the quotes and the files
identical, load the domain through the entry point the tutorial declares, and run
``tickets.refund`` on the help desk's own SQLite tables through the generic engine, the
gate, the work store, the audit trail and the review desk.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, select
from sqlalchemy.dialects import sqlite
from typer.testing import CliRunner

import tickets_refund
from interlock import registry
from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.cli import configured
from interlock.cli.app import app
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings
from interlock.exceptions import AccessDenied, DecisionRefused, StaleRecord
from interlock.gate.runner import run_gate
from interlock.policy.document import parse_policy_toml
from interlock.policy.principal import Principal, service_principal
from interlock.policy.rls import compile_rls, protected_tables
from interlock.registry import ENTRY_POINT_GROUP
from interlock.retrieval.scope import scope_predicate
from interlock.review.decide import ReviewDesk
from interlock.review.queue import open_reviews
from interlock.store.metadata import store_metadata
from interlock.task import Domain, PersonDecision, Thresholds
from interlock.testing import FunctionModel, capture_events
from interlock.work.store import WorkStore
from tickets_refund.connector import SqlTicketsConnector
from tickets_refund.pack import DOMAIN
from tickets_refund.question import RefundQuestion
from tickets_refund.schema import agents, metadata, refunds, ticket_messages, tickets
from tickets_refund.task import TicketsRefund

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrate.md"
PACKAGE = Path(tickets_refund.__file__).parent
POLICY = parse_policy_toml((PACKAGE / "policy.toml").read_text())
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
DAMAGED = "The lamp arrived with the shade crushed and the glass base cracked."


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def _quoted() -> dict[str, str]:
    """Every block whose first line names a file (``# examples/...``), by that path."""
    out: dict[str, str] = {}
    for _lang, body in _blocks():
        first = body.split("\n", 1)[0]
        if first.startswith("# ") and first[2:].startswith(("examples/", "tests/")):
            out[first[2:]] = body
    return out


def test_the_tutorial_quotes_every_file_of_the_example_verbatim() -> None:
    """Each file of the example package and its in-memory test appears in the doc exactly as it is."""
    quoted = _quoted()
    files = sorted(p for p in PACKAGE.iterdir() if p.suffix in (".py", ".toml"))
    wanted = [p.relative_to(ROOT).as_posix() for p in files] + ["tests/docs/test_tickets_refund.py"]
    assert sorted(quoted) == sorted(wanted)
    for path in wanted:
        assert quoted[path] == (ROOT / path).read_text(encoding="utf-8"), f"{path} differs from the doc"
    python = [body for lang, body in _blocks() if lang == "python"]
    assert len(python) == len([p for p in wanted if p.endswith(".py")]), "a Python block that no test runs"


def test_the_registration_snippet_loads_the_domain() -> None:
    """The pyproject snippet's entry point, loaded the way the registry loads one, is the tickets domain."""
    snippets = [tomllib.loads(body) for lang, body in _blocks() if lang == "toml" and "entry-points" in body]
    assert len(snippets) == 1
    points = snippets[0]["project"]["entry-points"][ENTRY_POINT_GROUP]
    loaded = EntryPoint(name="tickets", value=points["tickets"], group=ENTRY_POINT_GROUP).load()
    assert isinstance(loaded, Domain)
    assert loaded is DOMAIN
    assert isinstance(loaded.task("tickets.refund"), TicketsRefund)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The package metadata the doc's pyproject snippet produces once installed, on sys.path for one test."""
    (snippet,) = [tomllib.loads(b) for lang, b in _blocks() if lang == "toml" and "entry-points" in b]
    dist = tmp_path / "site" / "tickets_refund-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tickets-refund\nVersion: 0.1.0\n")
    points = snippet["project"]["entry-points"][ENTRY_POINT_GROUP]
    lines = "".join(f"{name} = {target}\n" for name, target in points.items())
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    registry.domains.cache_clear()
    yield
    registry.domains.cache_clear()


# -- the example on its own tables ------------------------------------------------------


def _ticket(
    ticket_id: str, amount: str, *, delivered: date = date(2026, 2, 20), confidentiality: str = "none"
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "version": 1,
        "status": "open",
        "region": "eu",
        "product_line": "retail",
        "confidentiality": confidentiality,
        "customer_email": f"{ticket_id.lower()}@example.org",
        "order_total": Decimal("3000.00"),
        "requested_amount": Decimal(amount),
        "delivered_on": delivered,
        "opened_on": date(2026, 3, 1),
    }


TICKETS = [
    _ticket("T-1", "40.00"),
    _ticket("T-2", "40.00", delivered=date(2026, 1, 10)),
    _ticket("T-3", "900.00"),
    _ticket("T-4", "2500.00"),
    _ticket("T-L", "40.00", confidentiality="legal"),
]


def _agent(agent_id: str, *, region: str = "eu", privileges: str = "") -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "role": "agent",
        "active": True,
        "region": region,
        "product_line": "retail",
        "privileges": privileges,
    }


def honest(question: RefundQuestion) -> str:
    item_id, body = question.messages[0]
    return json.dumps(
        {"reason": "damaged", "confidence": 0.96, "citations": [{"item_id": item_id, "quote": body[:45]}]}
    )


@dataclass
class Desk:
    sor: Engine
    store: Engine
    clock: FrozenClock
    connector: SqlTicketsConnector
    model: FunctionModel

    def engine(self, connector: SqlTicketsConnector | None = None) -> TaskEngine[Any, Any, Any, Any]:
        return TaskEngine(
            task=TicketsRefund(),
            connector=connector or self.connector,
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=service_principal(),
            model=self.model,
            policy=POLICY,
            clock=self.clock,
            settings=EngineSettings(deadline_seconds=5.0),
        )

    def review_desk(self) -> ReviewDesk:
        return ReviewDesk(
            task=TicketsRefund(),
            connector=self.connector,
            store=self.store,
            audit=AuditLog(self.store),
            clock=self.clock,
            policy=POLICY,
        )

    def agent(self, agent_id: str) -> Principal:
        principal = self.connector.load_principal(agent_id)
        assert principal is not None
        return principal

    def review_id(self, ticket_id: str) -> str:
        scope = TicketsRefund().scope(POLICY, service_principal())
        found = [r.review_id for r in open_reviews(self.store, scope) if r.claim_id == ticket_id]
        assert len(found) == 1
        return found[0]

    def ticket(self, ticket_id: str) -> tuple[str, int]:
        with self.sor.connect() as conn:
            row = conn.execute(
                select(tickets.c.status, tickets.c.version).where(tickets.c.ticket_id == ticket_id)
            ).one()
        return str(row.status), int(row.version)

    def refunds(self, ticket_id: str) -> list[tuple[str, str | None, Decimal, str]]:
        with self.sor.connect() as conn:
            rows = conn.execute(
                select(
                    refunds.c.outcome, refunds.c.reason_code, refunds.c.amount, refunds.c.decided_by
                ).where(refunds.c.ticket_id == ticket_id)
            ).all()
        return [(r.outcome, r.reason_code, r.amount, r.decided_by) for r in rows]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    sor = make_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    metadata.create_all(sor)
    store_metadata.create_all(store)
    with sor.begin() as conn:
        conn.execute(insert(tickets), TICKETS)
        conn.execute(
            insert(ticket_messages),
            [
                {"message_id": f"M-{t['ticket_id']}", "ticket_id": t["ticket_id"], "version": 1}
                | {"author": "customer", "body": DAMAGED}
                for t in TICKETS
            ],
        )
        conn.execute(
            insert(agents),
            [
                _agent("A1"),
                _agent("A2", privileges="refund:large"),
                _agent("A-US", region="us"),
                _agent("A-PII", privileges="pii:full"),
            ],
        )
    clock = FrozenClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    yield Desk(sor, store, clock, SqlTicketsConnector(sor), FunctionModel.replying(honest))
    sor.dispose()
    store.dispose()


def test_every_open_ticket_ends_decided_or_with_a_person(desk: Desk) -> None:
    """Rules, model, gate and policy limits route each ticket; refunds and holds land in the help desk's tables."""
    events = capture_events(desk.store)
    engine = desk.engine()
    assert engine.pending_records() == ["T-1", "T-2", "T-3", "T-4", "T-L"]
    results = {r: engine.process(r) for r in engine.pending_records()}
    assert {r: (x.route, x.outcome, x.reason_code) for r, x in results.items()} == {
        "T-1": ("commit", "approve", None),
        "T-2": ("commit", "deny", "OUTSIDE_WINDOW"),
        "T-3": ("review", "review", None),
        "T-4": ("review", "review", None),
        "T-L": ("review", "review", None),
    }
    assert desk.refunds("T-1") == [("approve", None, Decimal("40.00"), "auto:function:function")]
    assert desk.refunds("T-2") == [("deny", "OUTSIDE_WINDOW", Decimal("0.00"), "auto:tickets-rules@1")]
    assert [desk.ticket(t)[0] for t in ("T-3", "T-4", "T-L")] == ["held", "held", "held"]
    assert [q.ticket_id for q in desk.model.questions] == ["T-1", "T-3", "T-4"]  # never T-2, never T-L
    assert "legal tickets are read by a person" in results["T-L"].reason
    assert events.outcomes("T-1")[-3:] == [
        ("sor.written", "commit"),
        ("route.decided", "commit"),
        ("work.completed", "commit"),
    ]
    assert engine.pending_records() == []
    again = engine.process("T-1")  # decided once, never again: the recorded end answers
    assert again.replayed and again.route == "commit"
    assert AuditLog(desk.store).verify().ok


def test_a_person_decides_a_held_refund_through_the_gate(desk: Desk) -> None:
    """An agent approves a held 900.00 refund within their limit; the desk writes it once, audited."""
    desk.engine().process("T-3")
    events = capture_events(desk.store)
    result = desk.review_desk().decide(
        desk.review_id("T-3"), desk.agent("A1"), PersonDecision(action="approve")
    )
    assert (result.action, result.decided_by, result.review_status) == ("approve", "staff:A1", "decided")
    assert result.facts == {"refund_amount": "900.00"}
    assert desk.refunds("T-3") == [("approve", None, Decimal("900.00"), "staff:A1")]
    assert desk.ticket("T-3") == ("refunded", 1)
    assert events.kinds("T-3") == ["gate.verdict", "sor.written", "review.decided"]


def test_a_persons_limit_comes_from_the_policy_file(desk: Desk) -> None:
    """2,500.00 is above an agent's 2,000.00: refused for A1, written for A2 who holds refund:large."""
    desk.engine().process("T-4")
    review_id = desk.review_id("T-4")
    with pytest.raises(DecisionRefused, match=r"exceeds 2000\.00"):
        desk.review_desk().decide(review_id, desk.agent("A1"), PersonDecision(action="approve"))
    assert desk.refunds("T-4") == []
    result = desk.review_desk().decide(review_id, desk.agent("A2"), PersonDecision(action="approve"))
    assert desk.refunds("T-4") == [("approve", None, Decimal("2500.00"), "staff:A2")]
    assert result.reference is not None


def test_the_review_desk_keeps_to_the_policy_scope_and_the_tasks_actions(desk: Desk) -> None:
    """An agent of another region, or without sensitive:legal, cannot see the item; bad requests are refused."""
    engine = desk.engine()
    engine.process("T-3")
    engine.process("T-L")
    review = desk.review_desk()
    with pytest.raises(AccessDenied):
        review.decide(desk.review_id("T-3"), desk.agent("A-US"), PersonDecision(action="approve"))
    with pytest.raises(AccessDenied):
        review.decide(desk.review_id("T-L"), desk.agent("A1"), PersonDecision(action="approve"))
    with pytest.raises(DecisionRefused, match="a denial needs one of"):
        review.decide(desk.review_id("T-3"), desk.agent("A1"), PersonDecision(action="deny"))
    held = review.decide(
        desk.review_id("T-3"), desk.agent("A1"), PersonDecision(action="hold", comment="waiting for photos")
    )
    assert (held.action, held.review_status) == ("hold", "open")
    denied = review.decide(
        desk.review_id("T-3"),
        desk.agent("A1"),
        PersonDecision(action="deny", reason_code="NO_REFUNDABLE_REASON"),
    )
    assert desk.refunds("T-3") == [("deny", "NO_REFUNDABLE_REASON", Decimal("0.00"), "staff:A1")]
    assert denied.review_status == "decided"
    assert desk.ticket("T-3")[0] == "declined"


def test_a_locked_help_desk_database_defers_the_ticket(desk: Desk, tmp_path: Path) -> None:
    """While another process holds the database locked the connector reports an outage and the item is deferred."""
    impatient = SqlTicketsConnector(
        create_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}", connect_args={"timeout": 0.1})
    )
    desk.sor.dispose()  # close the pooled connections, so the journal mode can change
    locker = sqlite3.connect(tmp_path / "helpdesk.db", isolation_level=None)
    assert locker.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        result = desk.engine(impatient).process("T-1")
        assert result.route == "defer"
        assert "database is locked" in result.reason
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert desk.engine(impatient).process("T-1").route == "commit"
    assert desk.refunds("T-1") == [("approve", None, Decimal("40.00"), "auto:function:function")]


def test_once_installed_the_task_is_run_by_name(installed: None, desk: Desk) -> None:
    """With the doc's entry point installed, the registry and build_engine run tickets.refund by name."""
    assert registry.domain_of("tickets.refund") is DOMAIN
    assert set(registry.domains()) >= {"claims", "tickets"}
    engine = build_engine(
        "tickets.refund",
        connector=registry.domain("tickets").connector(desk.sor),
        store=WorkStore(desk.store, AuditLog(desk.store)),
        principal=service_principal(),
        model=desk.model,
        policy=POLICY,
        clock=desk.clock,
    )
    assert engine.task_name == "tickets.refund"
    assert engine.process("T-1").route == "commit"
    assert desk.refunds("T-1") == [("approve", None, Decimal("40.00"), "auto:function:function")]


def test_the_connector_writes_once_and_only_at_the_decided_version(desk: Desk) -> None:
    """A replayed commit is a no-op receipt; a ticket edited after the decision refuses the write."""
    task, principal = TicketsRefund(), service_principal()
    scope = task.scope(POLICY, principal)

    def decided(ticket_id: str, key: str) -> Any:
        ctx = desk.connector.read_context(ticket_id, scope)
        assert ctx is not None
        rules = task.rules(ctx)
        question = task.question(ctx, rules)
        answer = None if question is None else desk.model.ask(question, timeout=1.0)
        proposal = task.propose(ctx, rules, answer=answer, model_problem=None)
        verdict, write = run_gate(
            task,
            proposal,
            ctx,
            principal,
            Thresholds(),
            boundary=POLICY.write_boundary(task.name, principal),
            idempotency_key=key,
            now=desk.clock.now(),
        )
        assert verdict.status == "pass", verdict.reasons
        return write

    refund = decided("T-1", "key-1")
    first = desk.connector.write(refund)
    again = desk.connector.write(refund)  # a retry after a lost acknowledgement
    assert (first.already_applied, again.already_applied, again.reference) == (False, True, first.reference)
    assert len(desk.refunds("T-1")) == 1
    write = decided("T-2", "key-2")
    with desk.sor.begin() as conn:  # someone edits the ticket after the decision
        conn.execute(tickets.update().where(tickets.c.ticket_id == "T-2").values(version=2))
    with pytest.raises(StaleRecord):
        desk.connector.write(write)
    assert desk.refunds("T-2") == []
    assert desk.ticket("T-2") == ("open", 2)


def test_the_customer_email_is_masked_unless_the_reader_may_see_it(desk: Desk) -> None:
    """The service and an ordinary agent read ``***``; an agent holding pii:full reads it; a model never."""
    task = TicketsRefund()

    def email(principal: Principal) -> str:
        ctx = desk.connector.read_context("T-1", task.scope(POLICY, principal))
        assert ctx is not None
        return ctx.ticket.customer_email

    assert email(service_principal()) == "***"
    assert email(desk.agent("A1")) == "***"
    assert email(desk.agent("A-PII")) == "t-1@example.org"
    unmasked = desk.connector.read_context("T-1", task.scope(POLICY, desk.agent("A-PII")))
    assert unmasked is not None
    assert "customer_email" not in dict(unmasked.for_model)  # seen by the reader, never by a model


def test_interlock_policy_check_accepts_the_example_policy() -> None:
    """The command the doc recommends validates the example's policy file."""
    done = CliRunner().invoke(app, ["policy", "check", str(PACKAGE / "policy.toml")])
    assert done.exit_code == 0, done.output
    assert "tickets-entitlements@2" in done.output


def test_interlock_run_decides_a_ticket_by_task_name(
    installed: None, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`interlock run tickets.refund` with the example's policy file decides a ticket the rules settle."""
    monkeypatch.setattr(configured, "_current", [])  # this command's settings stay with this test
    config = tmp_path / "interlock.toml"
    config.write_text(f'policy_file = "{PACKAGE / "policy.toml"}"\n', encoding="utf-8")
    command = ["--config", str(config), "run", "tickets.refund", "--as", "service", "--record", "T-2"]
    urls = ["--sor", str(desk.sor.url), "--store", str(desk.store.url)]
    done = CliRunner().invoke(app, [*command, *urls, "--model", "openai:unused", "--json"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert body["task"] == "tickets.refund"
    assert [(r["record_id"], r["route"], r["outcome"], r["reason_code"]) for r in body["results"]] == [
        ("T-2", "commit", "deny", "OUTSIDE_WINDOW")
    ]
    assert desk.refunds("T-2") == [("deny", "OUTSIDE_WINDOW", Decimal("0.00"), "auto:tickets-rules@1")]


def test_one_declaration_compiles_to_every_form_the_doc_names(desk: Desk) -> None:
    """[resources.tickets] as the in-memory check, the SQL filter, the index filter, RLS and the approval limit."""
    a1, a_us = desk.agent("A1"), desk.agent("A-US")
    scope = POLICY.scope("tickets", a1)
    predicate = scope_predicate(scope, tickets)
    sql = str(predicate.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert sql == (
        "tickets.region = 'eu' AND tickets.product_line = 'retail' AND tickets.confidentiality IN ('none')"
    )
    with desk.sor.connect() as conn:
        readable = list(conn.execute(select(tickets.c.ticket_id).where(predicate)).scalars())
    assert readable == ["T-1", "T-2", "T-3", "T-4"]  # never the legal ticket
    for row in TICKETS:
        record = {a: str(row[column]) for a, column in scope.columns}
        expected = row["ticket_id"] in readable
        assert scope.permits(record) is expected
        assert POLICY.decide_record_read("tickets", a1, record).allowed is expected
        assert POLICY.resource_index_filter("tickets", a1).permits("ticket", record) is expected
        assert not POLICY.scope("tickets", a_us).permits(record)
    assert protected_tables(POLICY, ["tickets"]) == ("tickets", "ticket_messages", "refunds")
    script = compile_rls(POLICY, ["tickets"])
    assert 'CREATE POLICY "interlock_read_agent" ON "tickets"' in script
    assert '("product_line")::text' in script and "'sensitive:' || (\"confidentiality\")::text" in script
    attrs = {"region": "eu", "product_line": "retail", "confidentiality": "none"}
    big = Decimal("2500.00")
    assert not POLICY.decide_approval("tickets", a1, attrs, big).allowed
    assert POLICY.decide_approval("tickets", a1, attrs, big, outcome="deny").allowed
    assert POLICY.decide_approval("tickets", desk.agent("A2"), attrs, big).allowed
