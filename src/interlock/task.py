"""The seams a domain implements: read this module first.

Interlock is a layer between models and a system of record. A **domain** (claims on a
payer's platform, invoices on an ERP, a case on a case-management system) brings what
only it knows, through the types here, and the core runs everything else for it:

* a :class:`Connector` reads one record's **context** under a principal's **scope**
  (with provenance on every item) and applies a sealed approved write in one
  transaction of the system of record, idempotently and only at the version decided;
* a :class:`Task` holds the domain's decisions for one kind of work item: its
  deterministic rules, the question it asks a model (if any) and the typed answer it
  accepts, how rules and answer become a **proposal**, the gate checks that judge
  that proposal, the payload a passing proposal writes, and what a person reviewing it
  needs to see;
* the policy file declares the entitlement attributes (:mod:`interlock.policy`), and
  the task compiles a principal's read rights with :meth:`Task.scope`.

The core owns the order of the stages (:mod:`interlock.engine`), the seal on approved
writes (:mod:`interlock.gate.approval`, minted only by the gate runner or a person's
decision), routing, work items and recovery points, deadlines, retries, breakers and
fallback chains around the model (:mod:`interlock.models`), the review queue, the
audit trail and telemetry. Deciders here are pure: a task's ``rules``, ``propose`` and
``checks`` read only their arguments, never a clock, a database or the environment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from interlock.gate.verdict import Finding, Verdict
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion
from interlock.policy.principal import Principal
from interlock.policy.tasks import WriteBoundary

if TYPE_CHECKING:
    from interlock.gate.approval import ApprovedWrite
    from interlock.policy.document import PolicyDocument

__all__ = [
    "Basis",
    "Connector",
    "Context",
    "ContextItem",
    "DeskView",
    "Domain",
    "ExpectedDecision",
    "FaultDrill",
    "GateInput",
    "JsonDict",
    "PersonDecision",
    "PrincipalSource",
    "Proposal",
    "Provenance",
    "Receipt",
    "ReviewFacts",
    "RulesSummary",
    "Scope",
    "SorAccess",
    "Task",
    "Thresholds",
    "item_id_for",
]

JsonDict = dict[str, Any]
Basis = Literal["rules", "model", "person"]


# -- context and provenance -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a context item came from: source table, primary key and version marker."""

    source: str
    record_id: str
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextItem:
    """One retrieved item, addressable by ``item_id`` in citations and audit events."""

    item_id: str
    kind: str
    provenance: Provenance


def item_id_for(source: str, record_id: str, version: str) -> str:
    """The stable id of a context item: ``source:record_id@version``."""
    return f"{source}:{record_id}@{version}"


class Context(Protocol):
    """What the core needs of a domain's context: the record's identity and its items."""

    @property
    def record_id(self) -> str:
        """The record the work item decides."""
        ...

    @property
    def record_version(self) -> int:
        """The version that was read; a write applies only at this version."""
        ...

    @property
    def items(self) -> tuple[ContextItem, ...]:
        """Every retrieved item with its provenance (what a citation may point to)."""
        ...


class Scope(Protocol):
    """A principal's compiled read rights, as the engine records them."""

    @property
    def readable(self) -> bool:
        """False when the principal may read no record of the task at all."""
        ...

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the scope is what it is, for the audit trail."""
        ...

    @property
    def policy_version(self) -> str:
        """The version of the policy file the scope was compiled from."""
        ...


# -- proposals and the gate -------------------------------------------------------------


class Proposal(Protocol):
    """What a rule, a model or a person suggests for one record version; it decides nothing."""

    @property
    def outcome(self) -> str:
        """The proposed outcome; :attr:`Task.review_outcome` asks for a person."""
        ...

    @property
    def reason_code(self) -> str | None:
        """The domain's code for the outcome (a CARC, an invoice reason code), if any."""
        ...

    @property
    def basis(self) -> Basis:
        """Whether rules, a model or a person produced the proposal."""
        ...

    @property
    def decided_by(self) -> str:
        """The ``decided_by`` the system of record receives if the proposal is written."""
        ...

    @property
    def rationale(self) -> str:
        """One line of why, in words."""
        ...

    @property
    def confidence(self) -> float:
        """The proposer's confidence in [0, 1]; 1.0 for rules and people."""
        ...

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Why the proposer asks for a person (empty otherwise)."""
        ...

    @property
    def answer(self) -> ModelAnswer | None:
        """The model's answer the proposal rests on, if one took part."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """Minimum model confidence to commit each outcome automatically."""

    approve: float = 0.9
    deny: float = 0.9

    def for_outcome(self, outcome: str) -> float:
        """The threshold of ``outcome``: ``approve`` has its own, every refusal the other."""
        return self.approve if outcome == "approve" else self.deny


CtxT = TypeVar("CtxT", bound=Context)
RulesT = TypeVar("RulesT")
ProposalT = TypeVar("ProposalT", bound=Proposal)
PayloadT = TypeVar("PayloadT")


@dataclass(frozen=True, slots=True, kw_only=True)
class GateInput(Generic[CtxT, RulesT, ProposalT]):
    """Everything a check may look at: the proposal, its context, who would write it.

    ``rules`` are recomputed from the context by the gate runner, never taken from
    whoever built the proposal.
    """

    proposal: ProposalT
    context: CtxT
    rules: RulesT
    principal: Principal
    thresholds: Thresholds
    boundary: WriteBoundary


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesSummary:
    """What the audit trail records about the deterministic rules of one work item."""

    outcome: str
    reason: str
    details: JsonDict = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFacts:
    """What a review item keeps about its record for listing and filtering.

    ``attributes`` are the record's access attributes as the policy declares them
    (claims: region, line of business, sensitivity), so the queue can be scoped
    without reading every record; ``amount`` is the figure a person sorts by.
    """

    amount: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedDecision:
    """The correct decision of one record as a truth file states it, in the core's terms.

    ``outcome`` is one of the task's final outcomes, or its ``review_outcome`` when the
    record needs a person; ``facts`` are what :meth:`Task.commit_facts` gives for the
    correct commit (empty for a record that needs a person). Comparing a decision with
    it needs no knowledge of the domain: outcome, reason code and facts must all be equal.
    """

    outcome: str
    reason_code: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonDecision:
    """What a reviewer asked for: an action of the task's and its fields.

    Amounts are never taken from a person's request: the task computes them from the
    context, exactly as for an automatic decision.
    """

    action: str
    reason_code: str | None = None
    comment: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


# -- the connector ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    """What the system of record says happened to a write.

    ``reference`` is the system of record's id for what was written (an adjudication
    id, a decision id); ``already_applied`` says the idempotency key had been applied
    before and nothing new was written.
    """

    action: Literal["commit", "hold"]
    record_id: str
    record_version: int
    reference: str | None
    already_applied: bool

    @classmethod
    def held(cls, record_id: str, record_version: int, *, already_applied: bool) -> Receipt:
        """The receipt of a hold: the record set aside for a person, nothing referenced."""
        return cls(
            action="hold",
            record_id=record_id,
            record_version=record_version,
            reference=None,
            already_applied=already_applied,
        )

    def text(self) -> str:
        """The receipt as the audit trail records it."""
        return self.reference or f"hold:{self.record_id}@v{self.record_version}"

    def to_json(self) -> JsonDict:
        """The JSON kept on the completed work item."""
        return {"kind": self.action, "reference": self.reference, "already_applied": self.already_applied}


Scope_contra = TypeVar("Scope_contra", contravariant=True)
Ctx_co = TypeVar("Ctx_co", covariant=True)
_Payload = TypeVar("_Payload")


class Connector(Protocol[Scope_contra, Ctx_co, _Payload]):
    """A system-of-record adapter for one domain.

    Every read takes the principal's scope and pushes it into the query: a record the
    scope does not grant reads as absent, exactly like a record that does not exist.
    ``write`` accepts only a sealed approved write and applies it in one transaction,
    keyed by the write's idempotency key and guarded by the decided version. Dead
    dependencies raise :class:`~interlock.exceptions.ConnectorUnavailable` (a circuit
    breaker sits inside); a changed record raises
    :class:`~interlock.exceptions.StaleRecord`.
    """

    def pending_records(self, scope: Scope_contra) -> list[str]:
        """Ids of records awaiting this task's decision that ``scope`` may read."""
        ...

    def record_version(self, record_id: str, scope: Scope_contra) -> int | None:
        """The record's current version, or ``None`` when absent or outside ``scope``."""
        ...

    def read_context(self, record_id: str, scope: Scope_contra) -> Ctx_co | None:
        """The record's context as ``scope`` may see it (masked), or ``None``."""
        ...

    def write(self, approved: ApprovedWrite[_Payload]) -> Receipt:
        """Apply one approved write (commit or hold) exactly once."""
        ...

    def load_principal(self, staff_id: str) -> Principal | None:
        """The principal of one person of the system of record's staff, or ``None``."""
        ...


# -- the task ---------------------------------------------------------------------------


class Task(ABC, Generic[CtxT, RulesT, ProposalT, PayloadT]):
    """A domain's decisions for one kind of work item (for example ``claims.adjudicate``).

    Subclasses are stateless and their methods pure. The engine calls them in this
    order for every record version::

        scope -> connector.read_context -> rules -> question? -> model -> propose
          -> gate (checks; commit_payload on a pass) -> recovery point -> write

    A task whose records must never reach a model returns ``None`` from
    :meth:`question` for them; a proposal whose outcome is :attr:`review_outcome`
    goes to a person with its ``review_reasons``.
    """

    #: The task's name, ``domain.verb`` (``claims.adjudicate``).
    name: ClassVar[str]
    #: The domain the task belongs to (``claims``).
    domain: ClassVar[str]
    #: Versions of the rules and the gate checks, recorded with every decision.
    rules_version: ClassVar[str]
    gate_version: ClassVar[str]
    #: The outcome with which a proposal asks for a person.
    review_outcome: ClassVar[str] = "review"
    #: What Interlock's store calls this task's records (who submitted or changed one is
    #: kept under this name, for separation of duties).
    record_type: ClassVar[str] = "record"
    #: The outcomes a commit may write; anything else is not a final decision.
    final_outcomes: ClassVar[frozenset[str]]
    #: The actions a person may take on the review desk, in the order shown.
    review_actions: ClassVar[tuple[str, ...]]
    #: The review action that keeps the record held for a person (with a comment).
    hold_action: ClassVar[str]

    def prepare(self) -> None:
        """Load what the task needs (code sets, tables) before the first work item's deadline."""

    @abstractmethod
    def scope(self, policy: PolicyDocument, principal: Principal) -> Scope:
        """Compile ``principal``'s read rights for this task's records (default-deny)."""

    @abstractmethod
    def rules(self, context: CtxT) -> RulesT:
        """The deterministic rules over the context alone."""

    @abstractmethod
    def rules_summary(self, rules: RulesT) -> RulesSummary:
        """What the trail records about the rules: ids, codes, pass or fail; no content."""

    @abstractmethod
    def question(
        self, context: CtxT, rules: RulesT, *, repair_findings: tuple[str, ...] = ()
    ) -> ModelQuestion[ModelAnswer] | None:
        """The model question for this record, or ``None`` when no model may or need answer."""

    def model_text(self, context: CtxT, rules: RulesT) -> str | None:
        """The record's text the model reads (notes, documents), or ``None`` when no model is asked.

        The gate measures how far this text lies from the domain's history (the
        :attr:`Domain.reference_texts`, which must be built the same way) and sends a
        model-based proposal on unfamiliar text to a person. The default, ``None``,
        declares no text: familiarity is then not measured for the task.
        """
        del context, rules
        return None

    @abstractmethod
    def propose(
        self, context: CtxT, rules: RulesT, *, answer: ModelAnswer | None, model_problem: str | None
    ) -> ProposalT:
        """Combine the rules and the model's answer (or why there is none) into one proposal."""

    @abstractmethod
    def person_decision_problem(self, decision: PersonDecision) -> str | None:
        """Why a reviewer's request cannot stand as asked (unknown action, missing code), or None."""

    @abstractmethod
    def person_proposal(self, context: CtxT, principal: Principal, decision: PersonDecision) -> ProposalT:
        """A reviewer's decision as a proposal with a person as its basis."""

    @abstractmethod
    def is_held(self, context: CtxT) -> bool:
        """True while the record waits for a person (a pended claim, an invoice on hold)."""

    def bind(self, store: object) -> Task[CtxT, RulesT, ProposalT, PayloadT]:
        """This task with what ``model train`` learned from its domain's history, read from ``store``.

        An engine binds its task once, when it is built, so the checks stay pure
        functions of their input and of the bound task (the claims task reads criteria
        with the vocabulary learned from the payer's notes). The default learns nothing.
        ``store`` is the work store's SQLAlchemy engine, typed loosely so that the pure
        deciders importing this module import no database library.
        """
        del store
        return self

    @abstractmethod
    def checks(self, g: GateInput[CtxT, RulesT, ProposalT]) -> Iterable[Finding]:
        """Every finding of the task's gate checks; the runner combines them into a verdict."""

    @abstractmethod
    def commit_payload(self, proposal: ProposalT, context: CtxT) -> PayloadT:
        """What a passing final proposal writes to the system of record."""

    def repair_findings(self, proposal: ProposalT, verdict: Verdict) -> tuple[str, ...]:
        """Findings worth sending back to the model once; ``()`` when asking again cannot help."""
        del proposal, verdict
        return ()

    @abstractmethod
    def proposal_json(self, proposal: ProposalT) -> JsonDict:
        """The JSON form of a proposal kept with review items and recovery points."""

    @abstractmethod
    def payload_json(self, payload: PayloadT) -> JsonDict:
        """The JSON form of a commit payload, for the recovery point."""

    @abstractmethod
    def payload_from_json(self, data: Mapping[str, Any]) -> PayloadT:
        """Rebuild a payload saved by :meth:`payload_json`."""

    @abstractmethod
    def commit_facts(self, payload: PayloadT) -> JsonDict:
        """What ``route.decided`` records about a commit: codes and amounts, no free text."""

    def agreement_facts(self, payload: PayloadT) -> JsonDict:
        """What of a commit, besides outcome and reason code, decides whether two decisions agree.

        Quality sampling (:mod:`interlock.quality`) compares an automatic commit withheld
        from a reviewer with the reviewer's own commit of the same record on the outcome,
        the reason code and these facts; by default the :meth:`commit_facts` (a claim's
        allowed and paid amounts). A task whose correctness lies in more (an invoice's
        posting of each line) says so here.
        """
        return self.commit_facts(payload)

    @abstractmethod
    def review_facts(self, context: CtxT) -> ReviewFacts:
        """What a review item keeps about the record (amount and access attributes)."""


# -- the domain pack --------------------------------------------------------------------


class PrincipalSource(Protocol):
    """What loads a staff member's principal: every domain's connector."""

    def load_principal(self, staff_id: str) -> Principal | None:
        """The principal, or ``None`` for an unknown staff id."""
        ...


class DeskView(Protocol):
    """What the review desk shows a person for one review item of a domain's task.

    The desk (:mod:`interlock.web.desk`) owns sign-in, the queue, CSRF, the decision's
    path through the write boundary and the seal; the domain owns the page body: which
    evidence, which facts, which decision forms. ``template`` is a Jinja template in
    ``template_dir`` extending the desk's ``base.html``; ``page`` returns its variables
    (``context`` is the record's context read under the person's scope, ``row`` the
    review item, ``summary`` the assistant's answer or ``None``); ``decision`` turns the
    submitted form into a :class:`PersonDecision` or raises ``ValueError`` with a
    message for the person.
    """

    template_dir: str
    template: str

    def page(
        self, *, context: Any, row: Any, principal: Principal, policy: PolicyDocument, summary: Any
    ) -> Mapping[str, Any]:
        """The template's variables for this review item."""
        ...

    def decision(self, form: Mapping[str, str]) -> PersonDecision:
        """The person's decision from the submitted form fields."""
        ...


class FaultDrill(Protocol):
    """A domain's fault drill for ``interlock faults run``: named model faults, each run
    through the real engine against a loopback model server."""

    @property
    def names(self) -> Sequence[str]:
        """The fault modes, in the order they run."""
        ...

    def run(self, *, records: int, deadline: float, faults: Sequence[str]) -> list[Any]:
        """Run the named faults; one outcome (with ``as_dict()``) per fault."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SorAccess:
    """The least privilege Interlock needs in a system of record's tables.

    ``interlock db grant-reader`` turns it into a PostgreSQL role: ``SELECT`` on
    ``read_tables``, ``INSERT`` on ``insert_tables`` (the write target) and ``UPDATE`` on
    just the columns named in ``update_columns`` (a status, say), nothing else.
    """

    read_tables: tuple[str, ...]
    insert_tables: tuple[str, ...] = ()
    update_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Domain:
    """A pack for one system of record: its tasks and how to reach its data and models.

    Registered under the ``interlock.domains`` entry-point group (see
    :mod:`interlock.registry`), so a domain can live in its own package. Everything
    is a factory or plain data: building a domain opens nothing, and the core imports
    a domain only when a command or a request needs it.

    ``connector`` builds the connector over a SQLAlchemy engine of the system of
    record (keyword options, such as a breaker's reset time, pass through).
    ``baseline(store)`` loads the domain's latest embedded model from Interlock's store,
    and ``baseline(store, digest=D)`` the stored one whose model id ends in ``D`` (the
    ``baseline:D`` spec; ``None``: the domain ships none); ``precedent`` builds the reviewers' precedent lookup over
    the store and the domain's connector (``None``: no lookup).
    ``reference_texts(sor)`` reads the decided history's texts as the model reads them
    (the form :meth:`Task.model_text` gives, in a stable order): ``interlock model
    train`` fits the familiar region on them (``None``: the domain declares none, and
    unfamiliar input is not measured for its tasks).

    The rest serve the generic commands and pages, each ``None`` (or empty) when the
    domain has no such thing:

    * ``metadata``: the system of record's tables (SQLAlchemy ``MetaData``);
      ``record_table`` is the table whose presence says the schema exists;
      ``access`` the privileges a least-privilege role needs; ``access_indexes`` the
      indexes the entitlement predicates want (``interlock db check-indexes``);
    * ``create_schema(sor)`` for ``sor init``; ``seed(sor, records=, seed=,
      truth_path=, **options)`` for ``sor seed`` (a summary mapping with ``backlog``,
      ``history`` and ``seconds``); ``train(sor, store, now=)`` for ``model train``
      (``model_id``, ``examples``, ``metrics``); ``evaluate(sor, store, truth_path)``
      for ``eval`` (a summary mapping); ``expected_decisions(truth_path)`` reads the same
      truth file into each record's :class:`ExpectedDecision` (keyed by record id), for
      the core's own comparisons (``eval --shadow``);
    * ``documents(sor)``: the searchable documents of the system of record, for the
      search index (a :class:`interlock.retrieval.source.DocumentSource`: all of them
      for ``index sync``, one record's for ``[index] follow_writes``);
      ``assistant(...)``: ``summarize`` and ``ask`` over what a principal may see;
    * ``demo(dir, records=, seed=, json_out=)``: the domain's end-to-end demo (exit
      code); ``faults()``: its fault drill (:class:`FaultDrill`);
    * ``api_routers()``: extra HTTP routers the domain adds, each with its own prefix (the
      claims domain's FHIR intake under ``/v1`` and its FHIR routes under ``/fhir``);
      ``desk_view``: what the review desk shows a person for one review item (see
      :mod:`interlock.web.desk`); ``warm()``: loads what the first request should not
      pay for (code sets), at process start.
    """

    name: str
    tasks: tuple[Task[Any, Any, Any, Any], ...]
    connector: Callable[..., Any]
    baseline: Callable[..., ModelClient] | None = None
    precedent: Callable[[Any, Any], Any] | None = None
    reference_texts: Callable[[Any], Sequence[str]] | None = None
    metadata: Any = None
    record_table: str | None = None
    access: SorAccess | None = None
    access_indexes: tuple[Any, ...] = ()
    create_schema: Callable[[Any], None] | None = None
    seed: Callable[..., Mapping[str, Any]] | None = None
    train: Callable[..., Mapping[str, Any]] | None = None
    evaluate: Callable[..., Mapping[str, Any]] | None = None
    expected_decisions: Callable[[Path], Mapping[str, ExpectedDecision]] | None = None
    documents: Callable[[Any], Any] | None = None
    assistant: Callable[..., Any] | None = None
    demo: Callable[..., int] | None = None
    faults: Callable[[], FaultDrill] | None = None
    api_routers: Callable[[], Sequence[Any]] | None = None
    desk_view: DeskView | None = None
    warm: Callable[[], None] | None = None

    def task(self, name: str) -> Task[Any, Any, Any, Any]:
        """The task called ``name``; ``KeyError`` when the domain has none."""
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)
