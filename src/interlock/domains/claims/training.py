"""Training examples for the embedded model, read from the adjudicated history.

The system of record already holds the labels a medical-necessity model needs: every
claim a person or a rule finalized says whether its notes were judged to meet the
policy at stake (approved), not to meet it (denied with CARC 50), or to leave it open
(pended for review). This module turns that history into (policy, notes, label)
examples with a few set-based queries, so that loading 100k claims costs three round
trips rather than one per claim.

Two things are deliberately never read:

* claims with sensitivity ``substance_use``: 42 CFR Part 2 forbids sending their notes
  to a model, and training is sending them to a model; the filter sits in every query
  that can reach a note, so no code path loads one;
* labels that do not say which policy they are about: a denial with CARC 50 or a pend
  on a claim with two policies at stake does not tell which of them failed, and other
  denials (eligibility, duplicates, coverage...) say nothing about the notes at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, func, or_, select

from interlock.domains.claims import schema
from interlock.domains.claims.answer import NecessityStatus
from interlock.domains.claims.necessity import notes_text

#: Sensitivity whose notes are never read for training (42 CFR Part 2).
PART_2_SENSITIVITY = "substance_use"
#: The CARC of a medical-necessity denial (CLAIMS_POLICY.md rule 9).
NECESSITY_CARC = "50"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingExample:
    """One policy at stake on one claim, the claim's notes, and the recorded judgement."""

    claim_id: str
    policy_id: str
    policy_title: str
    policy_body: str
    notes: tuple[str, ...]
    label: NecessityStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class _ClaimState:
    """What the record says about one claim, gathered from the stakes query."""

    status: str
    outcome: str | None
    carc_code: str | None
    policy_ids: frozenset[str]


def _not_part_2() -> ColumnElement[bool]:
    """The predicate that keeps Part 2 claims out; case and blanks cannot slip past it."""
    return func.lower(func.trim(schema.claims.c.sensitivity)) != PART_2_SENSITIVITY


def _policies_at_stake() -> Select[tuple[str, str]]:
    """(claim_id, policy_id) for every in-force, applicable policy on a non-Part-2 claim."""
    c = schema.claims
    lines = schema.claim_lines
    procs = schema.procedures
    pol = schema.medical_policies
    return (
        select(c.c.claim_id, pol.c.policy_id)
        .join(lines, lines.c.claim_id == c.c.claim_id)
        .join(procs, procs.c.procedure_code == lines.c.procedure_code)
        .join(pol, pol.c.policy_id == procs.c.medical_policy_id)
        .where(
            _not_part_2(),
            pol.c.effective_from <= c.c.service_date,
            or_(pol.c.effective_to.is_(None), c.c.service_date <= pol.c.effective_to),
            or_(
                pol.c.line_of_business.is_(None),
                pol.c.line_of_business == c.c.line_of_business,
            ),
        )
        .distinct()
    )


def _claim_states(conn: Connection) -> dict[str, _ClaimState]:
    """One query: each claim with a policy at stake, its status and its latest adjudication.

    The latest adjudication (highest ``claim_version``) is the one that describes the
    claim as it stands; earlier ones were superseded when the claim changed.
    """
    c = schema.claims
    adj = schema.adjudications
    stakes = _policies_at_stake().subquery("stakes")
    latest_version = (
        select(adj.c.claim_id, func.max(adj.c.claim_version).label("claim_version"))
        .group_by(adj.c.claim_id)
        .subquery("latest_version")
    )
    latest = (
        select(adj.c.claim_id, adj.c.outcome, adj.c.carc_code)
        .join(
            latest_version,
            and_(
                adj.c.claim_id == latest_version.c.claim_id,
                adj.c.claim_version == latest_version.c.claim_version,
            ),
        )
        .subquery("latest")
    )
    query = (
        select(stakes.c.claim_id, stakes.c.policy_id, c.c.status, latest.c.outcome, latest.c.carc_code)
        .join(c, c.c.claim_id == stakes.c.claim_id)
        .outerjoin(latest, latest.c.claim_id == stakes.c.claim_id)
    )
    policies: dict[str, set[str]] = defaultdict(set)
    heads: dict[str, tuple[str, str | None, str | None]] = {}
    for claim_id, policy_id, status, outcome, carc in conn.execute(query):
        policies[claim_id].add(policy_id)
        heads[claim_id] = (status, outcome, carc)
    return {
        claim_id: _ClaimState(
            status=status,
            outcome=outcome,
            carc_code=carc,
            policy_ids=frozenset(policies[claim_id]),
        )
        for claim_id, (status, outcome, carc) in heads.items()
    }


def _label_for(state: _ClaimState) -> NecessityStatus | None:
    """The necessity label the record implies for a claim, or None when it implies none.

    Approved means every policy at stake was met. A CARC 50 denial or a pend says that
    *some* policy failed or was unclear, which names the policy only when there is one.
    A pended claim that still carries an older adjudication was reopened; neither the
    old decision nor the pend is a clean label for its current notes, so it is skipped.
    """
    status = (state.status or "").strip().lower()
    outcome = None if state.outcome is None else state.outcome.strip().lower()
    carc = (state.carc_code or "").strip()
    single_policy = len(state.policy_ids) == 1
    if outcome is None:
        if status == "pended" and single_policy:
            return "unclear"
        return None
    if status == "pended":
        return None
    if outcome == "approve":
        return "met"
    if outcome == "deny" and carc == NECESSITY_CARC and single_policy:
        return "not_met"
    return None


def _policy_texts(conn: Connection, policy_ids: set[str]) -> dict[str, tuple[str, str]]:
    """Title and body of each policy that labels refer to (the policy table is small)."""
    pol = schema.medical_policies
    rows = conn.execute(select(pol.c.policy_id, pol.c.title, pol.c.body))
    return {pid: (title, body) for pid, title, body in rows if pid in policy_ids}


def _notes_by_claim(conn: Connection, wanted: Mapping[str, object]) -> dict[str, list[str]]:
    """Note bodies of the claims in ``wanted``, in writing order, streamed in one query.

    The query repeats the Part 2 filter and restricts itself to claims with a policy at
    stake, so it never loads a Part 2 note even if a caller passed one by mistake.
    """
    notes = schema.clinical_notes
    c = schema.claims
    claim_ids = _policies_at_stake().with_only_columns(schema.claims.c.claim_id).subquery()
    query = (
        select(notes.c.claim_id, notes.c.body)
        .join(c, c.c.claim_id == notes.c.claim_id)
        .where(_not_part_2(), notes.c.claim_id.in_(select(claim_ids.c.claim_id)))
        .order_by(notes.c.claim_id, notes.c.written_at, notes.c.note_id)
    )
    out: dict[str, list[str]] = defaultdict(list)
    for claim_id, body in conn.execute(query.execution_options(yield_per=5000)):
        if claim_id in wanted:
            out[claim_id].append(body if isinstance(body, str) else "")
    return out


def load_training_examples(sor: Engine) -> list[TrainingExample]:
    """Read every labelled (claim, policy) example from the system of record.

    Examples come back sorted by claim id then policy id, so that training on the same
    history is reproducible whatever order the database returns rows in. The reads run
    in one transaction (repeatable read on PostgreSQL) so labels and notes agree.
    """
    options: dict[str, str] = {}
    if sor.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with sor.connect().execution_options(**options) as conn, conn.begin():
        states = _claim_states(conn)
        labels = {cid: lab for cid, st in states.items() if (lab := _label_for(st)) is not None}
        wanted_policies = {pid for cid in labels for pid in states[cid].policy_ids}
        policies = _policy_texts(conn, wanted_policies)
        notes = _notes_by_claim(conn, labels)
    examples: list[TrainingExample] = []
    for claim_id in sorted(labels):
        for policy_id in sorted(states[claim_id].policy_ids):
            title, body = policies[policy_id]
            examples.append(
                TrainingExample(
                    claim_id=claim_id,
                    policy_id=policy_id,
                    policy_title=title,
                    policy_body=body,
                    notes=tuple(notes.get(claim_id, ())),
                    label=labels[claim_id],
                )
            )
    return examples


def reference_texts(sor: Engine) -> list[str]:
    """The notes of every history claim the baseline trains on, one text per claim, by claim id.

    These are the familiar region's reference texts: the model's question reads a claim's
    notes (:meth:`ClaimsAdjudicate.model_text` joins them the same way), and these are
    the notes it learnt from. Part 2 notes are never among them.
    """
    by_claim: dict[str, tuple[str, ...]] = {}
    for example in load_training_examples(sor):
        by_claim.setdefault(example.claim_id, example.notes)
    return [notes_text(by_claim[claim_id]) for claim_id in sorted(by_claim)]
