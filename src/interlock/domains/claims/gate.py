"""The claims gate checks: everything a proposal must pass before it may become a write.

Each check is a small pure function of a :class:`~interlock.task.GateInput` returning
findings; the core's gate runner (:mod:`interlock.gate.runner`) combines them into a
verdict and mints the write. The checks recompute what matters from the context alone
(rules 1 to 8, amounts, who may finalize) and never trust what the proposal says
about itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from interlock.domains.claims import quantities
from interlock.domains.claims.addressed import addressed_to_model
from interlock.domains.claims.answer import Citation, PolicyAssessment
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.criteria import (
    MIN_QUOTE_CHARS,
    PolicyCriteria,
    combine,
    evidence_clauses,
    naming_services,
    policy_criteria,
)
from interlock.domains.claims.criteria import Finding as CriterionStatus
from interlock.domains.claims.lexicon import NO_LEXICON, Lexicon
from interlock.domains.claims.proposal import Proposal
from interlock.domains.claims.rules import (
    CARC_BY_RULE,
    CENT,
    KNOWN_CARCS,
    RulesResult,
    compute_amounts,
    is_high_value,
    is_part2,
    missing_policies,
    policies_at_stake,
    services_under,
)
from interlock.gate.common import check_confidence, check_proposer_review
from interlock.gate.verdict import Finding
from interlock.policy.values import ClaimAttributes
from interlock.task import GateInput as _GateInput

GATE_VERSION = "claims-gate@4"
#: The necessity finding for an assessment that misses or adds policies: the model's doing.
COVERAGE_REASON = "assessment does not cover exactly the policies at stake"
#: The necessity finding for an assessment without one finding per numbered criterion.
CRITERIA_REASON = "assessment does not give one finding per numbered criterion"
_SPACE = re.compile(r"\s+")


GateInput = _GateInput[ClaimContext, RulesResult, Proposal]


Check = Callable[[GateInput], tuple[Finding, ...]]


def _f(check: str, severity: str, reason: str) -> Finding:
    assert severity in ("info", "review", "block")
    return Finding(check=check, severity=severity, reason=reason)  # type: ignore[arg-type]


def check_schema(g: GateInput) -> tuple[Finding, ...]:
    """Outcome, CARC and amounts have the shape SPEC.md requires."""
    p = g.proposal
    out: list[Finding] = []
    if p.outcome not in ("approve", "deny", "review"):
        return (_f("schema", "block", f"unknown outcome {p.outcome!r}"),)
    if p.claim_id != g.context.claim.claim_id or p.claim_version != g.context.claim.version:
        out.append(_f("schema", "block", "proposal is for another claim or version"))
    if p.outcome == "deny" and p.carc not in KNOWN_CARCS:
        out.append(_f("schema", "block", f"denial with unknown CARC {p.carc!r}"))
    if p.outcome != "deny" and p.carc is not None:
        out.append(_f("schema", "block", "a CARC is only allowed on a denial"))
    if p.basis == "person" and g.principal.kind != "staff":
        out.append(_f("schema", "block", "only a staff member's review decision has a person as its basis"))
    if not 0.0 <= p.confidence <= 1.0:
        out.append(_f("schema", "block", "confidence outside [0, 1]"))
    amounts = [p.amounts.allowed, p.amounts.paid]
    amounts += [x for la in p.amounts.lines for x in (la.allowed, la.paid)]
    for value in amounts:
        if (
            not isinstance(value, Decimal)
            or not value.is_finite()
            or value < 0
            or value != value.quantize(CENT)
        ):
            out.append(_f("schema", "block", f"amount {value!r} is not a non-negative cent value"))
            break
    if tuple(la.line_no for la in p.amounts.lines) != tuple(ln.line_no for ln in g.context.lines):
        out.append(_f("schema", "block", "amount lines do not match the claim's lines"))
    return tuple(out)


def check_integrity(g: GateInput) -> tuple[Finding, ...]:
    """A record that cannot be decided as it stands goes to a person."""
    return tuple(_f("integrity", "review", f.reason) for f in g.rules.integrity)


def check_rules(g: GateInput) -> tuple[Finding, ...]:
    """The outcome and CARC agree with rules 1 to 8, recomputed here from the context."""
    p = g.proposal
    if g.rules.integrity or p.outcome == "review":
        return ()
    failure = g.rules.first_failure
    if failure is not None:
        if p.outcome != "deny" or p.carc != failure.carc:
            return (
                _f(
                    "rules",
                    "block",
                    f"rule {failure.rule} requires deny {failure.carc}: {failure.reason}",
                ),
            )
        return (_f("rules", "info", f"rule {failure.rule} denies with CARC {failure.carc}"),)
    rule_carcs = {c for rule, codes in CARC_BY_RULE.items() if rule <= 8 for c in codes}
    if p.outcome == "deny" and p.carc in rule_carcs:
        return (_f("rules", "block", f"CARC {p.carc} claims a rule 1-8 failure but every rule passes"),)
    return (_f("rules", "info", "rules 1-8 pass"),)


def check_amounts(g: GateInput) -> tuple[Finding, ...]:
    """Amounts equal the policy manual's arithmetic to the cent (0.00 on a denial)."""
    p = g.proposal
    if p.outcome == "review" or g.rules.integrity:
        return ()
    if p.outcome == "deny":
        values = [
            p.amounts.allowed,
            p.amounts.paid,
            *(x for la in p.amounts.lines for x in (la.allowed, la.paid)),
        ]
        if any(v != 0 for v in values):
            return (_f("amounts", "block", "a denial must allow and pay 0.00"),)
        return ()
    expected = compute_amounts(g.context)
    if p.amounts != expected:
        return (
            _f(
                "amounts",
                "block",
                "amounts differ from the fee schedule: expected allowed "
                f"{expected.allowed} paid {expected.paid}",
            ),
        )
    if expected.allowed > g.context.claim.total_billed:
        return (_f("amounts", "block", "allowed exceeds total billed"),)
    return ()


def check_always_person(g: GateInput) -> tuple[Finding, ...]:
    """High-value and Part 2 claims reach a person; Part 2 notes never reached a model."""
    ctx, p = g.context, g.proposal
    out: list[Finding] = []
    if is_part2(ctx) and p.necessity is not None:
        out.append(_f("part2", "block", "a Part 2 claim's notes were sent to a model"))
    if p.basis == "person":
        return tuple(out)
    if is_high_value(ctx) and p.outcome != "review":
        out.append(_f("high_value", "review", "total billed exceeds 10,000.00: a person must finalize"))
    if is_part2(ctx) and p.outcome == "approve":
        out.append(_f("part2", "review", "Part 2 claim needs medical-necessity judgement by a person"))
    return tuple(out)


def _normalize(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _citation_problem(citation: Citation, texts: dict[str, str]) -> str | None:
    text = texts.get(citation.item_id)
    if text is None:
        return f"cites {citation.item_id!r}, which is not in the retrieved context"
    quote = _normalize(citation.quote)
    if len(quote) < MIN_QUOTE_CHARS:
        return f"quote from {citation.item_id} is too short to verify"
    if quote not in _normalize(text):
        return f"quote is not found verbatim in {citation.item_id}"
    return None


def _numbers_support(criterion_text: str, finding: CriterionStatus, passages: list[str]) -> bool:
    """The values the passages state for the criterion's thresholds agree with ``finding``.

    "Met" needs no value on the wrong side (and, for an amount the criterion asks for,
    one on the right side); "not met" may not rest on values that all satisfy it.
    """
    numeric = quantities.reading(criterion_text, " ; ".join(passages))
    if finding == "met":
        if numeric in ("fails", "conflict"):
            return False
        return numeric == "satisfies" or not quantities.needs_value(criterion_text)
    return numeric not in ("satisfies", "conflict")


def _contradicted(criterion_text: str, finding: CriterionStatus, clauses: list[str]) -> bool:
    """Some clause about the criterion anywhere in the notes states a value on the other side of ``finding``."""
    opposite = "fails" if finding == "met" else "satisfies"
    return any(quantities.reading(criterion_text, c) in (opposite, "conflict") for c in clauses)


def _cited_clauses(structure: PolicyCriteria, number: int, quote: str, in_note: Sequence[str]) -> list[str]:
    """The evidence clauses a quote cites, each read within its sentence in the note.

    ``in_note`` are the cited note's evidence clauses for the criterion. "tonsils 4+ and
    touching" says something as part of "Loud snoring with witnessed pauses; tonsils 4+
    and touching", as the baseline read it; quoted alone it has too few words to, and
    the same quote must not pass or fail by where it was cut.
    """
    own = list(evidence_clauses(structure, number, quote))
    around = [c for c in in_note if c in quote or quote.strip() in c]
    return own + [c for c in around if c not in own]


def _evidence(
    pa: PolicyAssessment, structure: PolicyCriteria, texts: dict[str, str], note_ids: set[str]
) -> tuple[dict[int, CriterionStatus], list[str]]:
    """Each criterion's finding as the cited evidence supports it, and why any was set aside.

    A met or not-met finding stands only when its citations are clinical notes, quoted
    verbatim, with clauses that document something about that criterion
    (:func:`~interlock.domains.claims.criteria.evidence_clauses`: relevant, not a
    plan or a doubt), whose numbers agree with the finding, and when no clause about the
    criterion elsewhere in the notes states a value on the other side; otherwise the
    notes, as cited, do not settle it.
    """
    effective: dict[int, CriterionStatus] = {}
    reasons: list[str] = []
    for cf in pa.criteria:
        if cf.finding == "not_documented":
            effective[cf.criterion] = "not_documented"
            continue
        criterion = structure.criterion(cf.criterion)
        # Each note's evidence for the criterion, read once for the citations and the contradictions.
        per_note = {i: evidence_clauses(structure, cf.criterion, texts[i]) for i in sorted(note_ids)}
        cited = [
            clause
            for c in cf.citations
            if c.item_id in note_ids and _citation_problem(c, texts) is None
            for clause in _cited_clauses(structure, cf.criterion, c.quote, per_note[c.item_id])
        ]
        everywhere = [clause for found in per_note.values() for clause in found]
        problem = ""
        if criterion is None or not cited:
            problem = "cites no passage" if not cf.citations else "cites no note passage about it"
        elif not _numbers_support(criterion.text, cf.finding, cited):
            problem = "cites values that do not support it"
        elif _contradicted(criterion.text, cf.finding, everywhere):
            problem = "is contradicted by a value elsewhere in the notes"
        effective[cf.criterion] = "not_documented" if problem else cf.finding
        if problem:
            reasons.append(f"criterion {cf.criterion} stated {cf.finding} {problem}")
    return effective, reasons


def check_addressed(g: GateInput) -> tuple[Finding, ...]:
    """A model-based outcome on notes that carry text addressed to a model goes to a person.

    Such text is written to steer whatever reads the notes; whatever a model made of
    it, the notes were not written for a clinician alone (:mod:`.addressed`).
    """
    p = g.proposal
    if p.basis != "model" or p.outcome == "review":
        return ()
    if addressed_to_model(n.body for n in g.context.notes):
        return (_f("addressed", "review", "the notes carry text addressed to a model: a person decides"),)
    return ()


def check_necessity(g: GateInput, lexicon: Lexicon = NO_LEXICON) -> tuple[Finding, ...]:
    """A model-based outcome rests on cited, relevant evidence for the criteria it needs.

    The gate reads each policy's numbered criteria and their combination from the
    policy text itself, keeps a criterion's finding only when a verbatim note passage
    about that criterion is cited for it, and combines the findings again. An approval
    needs every policy at stake to come out met; a CARC 50 denial needs one to come out
    not met. Anything less means the notes, as cited, do not settle medical necessity:
    review (rule 9), never an automatic decision. Relevance reads the criteria with the
    vocabulary learned from the payer's history (``lexicon``, :mod:`.lexicon`), the same
    the embedded baseline reads with, whichever model answered.
    """
    ctx, p = g.context, g.proposal
    if p.basis != "model" or p.outcome == "review":
        return ()
    if p.necessity is None:
        return (_f("necessity", "block", "model-based outcome without an assessment"),)
    if missing_policies(ctx):
        return (_f("necessity", "review", "a governing medical policy is missing from the record"),)
    at_stake = {pol.policy_id: pol for pol in policies_at_stake(ctx)}
    assessed = {pa.policy_id: pa for pa in p.necessity.policies}
    if set(assessed) != set(at_stake):
        return (_f("necessity", "block", COVERAGE_REASON),)
    texts = {ctx.note_item_id(n): n.body for n in ctx.notes}
    note_ids = set(texts)
    texts |= {ctx.policy_item_id(pol): pol.body for pol in ctx.policies.values()}
    out: list[Finding] = []
    deciding = [pa for pa in assessed.values() if (p.outcome == "approve" or pa.status == "not_met")]
    for pa in deciding:
        if p.outcome == "approve" and pa.status != "met":
            out.append(_f("necessity", "block", f"approval while policy {pa.policy_id} is {pa.status}"))
            continue
        problems = list(dict.fromkeys(msg for c in pa.citations if (msg := _citation_problem(c, texts))))
        out.extend(_f("citations", "block", f"policy {pa.policy_id}: {msg}") for msg in problems)
        if problems:
            # An answer with unverifiable quotes is refused (and may be asked once more);
            # its evidence is weighed when an answer's quotes all check out.
            continue
        structure = lexicon.apply(
            naming_services(policy_criteria(at_stake[pa.policy_id].body), services_under(ctx, pa.policy_id))
        )
        if sorted(cf.criterion for cf in pa.criteria) != list(structure.numbers):
            out.append(_f("necessity", "block", f"policy {pa.policy_id}: {CRITERIA_REASON}"))
            continue
        effective, reasons = _evidence(pa, structure, texts, note_ids)
        status = combine(structure.combine, [effective[n] for n in structure.numbers])
        wanted = "met" if p.outcome == "approve" else "not_met"
        if status != wanted:
            undocumented = [n for n in structure.numbers if effective[n] == "not_documented"]
            detail = "; ".join(reasons) if reasons else f"criteria {undocumented} not documented"
            out.append(
                _f(
                    "evidence",
                    "review",
                    f"policy {pa.policy_id} ({structure.combine}): the cited notes do not settle "
                    f"it ({detail})",
                )
            )
    if p.outcome == "deny" and p.carc == "50" and not any(pa.status == "not_met" for pa in assessed.values()):
        out.append(_f("necessity", "block", "CARC 50 without a policy assessed as not met"))
    if p.outcome == "deny" and p.carc != "50":
        out.append(_f("necessity", "block", "a model may only propose the medical-necessity denial"))
    return tuple(out)


def check_write_boundary(g: GateInput) -> tuple[Finding, ...]:
    """The policy's write boundary lets this principal finalize this claim, this way.

    The boundary (actions, outcomes, path, amount caps, record states) is declared in
    the policy file and compiled per principal; the gate only consults it. A proposal
    outside it goes to a person; a person's decision outside it is refused outright.
    """
    p = g.proposal
    if p.basis == "person" and not (author := g.boundary.decide_author()).allowed:
        # Separation of duties: no decision at all, a pend included, by an author.
        return (_f("write_boundary", "block", "; ".join(author.reasons)),)
    if p.outcome == "review":
        return ()
    claim = g.context.claim
    attrs = ClaimAttributes(
        region=claim.region, line_of_business=claim.line_of_business, sensitivity=claim.sensitivity
    )
    decision = g.boundary.decide_finalize(
        outcome=p.outcome,
        via="review" if p.basis == "person" else "automatic",
        attrs=attrs,
        total_billed=claim.total_billed,
    )
    if not decision.allowed:
        severity = "block" if p.basis == "person" else "review"
        return (_f("write_boundary", severity, "; ".join(decision.reasons)),)
    record = g.boundary.decide_record(claim.status)
    if not record.allowed:
        return (_f("write_boundary", "block", "; ".join(record.reasons)),)
    return ()


CHECKS: tuple[Check, ...] = (
    check_schema,
    check_integrity,
    check_rules,
    check_amounts,
    check_always_person,
    check_necessity,
    check_addressed,
    check_confidence,
    check_write_boundary,
    check_proposer_review,
)


def claim_findings(g: GateInput, lexicon: Lexicon = NO_LEXICON) -> tuple[Finding, ...]:
    """Every finding of every claims check, in the order of :data:`CHECKS` (necessity with ``lexicon``)."""
    return tuple(
        f for check in CHECKS for f in (check_necessity(g, lexicon) if check is check_necessity else check(g))
    )
