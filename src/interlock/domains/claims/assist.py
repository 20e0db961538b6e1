"""The read-only claims tasks: ``claims.summarize`` and ``claims.ask``.

Both answer *extractively*: every statement is text taken from (or a field read
from) a context item the requesting principal is entitled to, and names that item's
id. Nothing is generated, so nothing can be invented; the remaining risk is citing
something outside the principal's context, which the citation check turns into a
blocking finding and the answer is then withheld.

Summaries start from :meth:`SqlClaimsConnector.fetch_context`, which pushes the
principal's scope into SQL; a claim outside it is refused with the same message as a
missing one. Answers start from the entitlement-filtered search
(:class:`~interlock.retrieval.planner.Retriever`). Every call leaves one audit event
that names item ids and counts, never text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent, id_ref
from interlock.clock import Clock, SystemClock
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.context import ClaimContext, item_id_for
from interlock.exceptions import AccessDenied
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.principal import Principal
from interlock.retrieval.answers import NO_ANSWER, Answer, Statement, answer_from, check_citations, sentences
from interlock.retrieval.planner import Retriever, StalePolicy

TaskName = Literal["claims.summarize", "claims.ask"]
__all__ = ["NO_ANSWER", "Answer", "ClaimsAssistant", "Statement", "check_citations", "summarize_context"]


def _age_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def summarize_context(
    ctx: ClaimContext, policy: PolicyDocument, principal: Principal
) -> tuple[Statement, ...]:
    """An extractive summary of ``ctx`` as ``principal`` may see it (a pure function)."""
    claim = ctx.claim
    claim_item = item_id_for("claim", claim.claim_id, f"v{claim.version}")
    by_source = {(i.provenance.source, i.provenance.record_id): i.item_id for i in ctx.items}
    out = [
        Statement(
            text=(
                f"Claim {claim.claim_id} (version {claim.version}) for service on {claim.service_date}, "
                f"received {claim.received_date}, status {claim.status}, total billed {claim.total_billed}."
            ),
            citations=(claim_item,),
        )
    ]
    member = ctx.member
    if member is not None:
        masks = policy.field_masks(principal)
        shown = masks.apply(
            {
                "first_name": member.first_name,
                "last_name": member.last_name,
                "birth_date": member.birth_date.isoformat() if member.birth_date else "",
            }
        )
        out.append(
            Statement(
                text=(
                    f"Member {member.member_id}: {shown['first_name']} {shown['last_name']}, "
                    f"born {shown['birth_date']}, plan {member.plan_id}."
                ),
                citations=(by_source[("member", member.member_id)],),
            )
        )
    for line in ctx.lines:
        proc = ctx.procedures.get(line.procedure_code)
        cites = [claim_item] + ([by_source[("procedure", proc.procedure_code)]] if proc else [])
        out.append(
            Statement(
                text=(
                    f"Line {line.line_no}: {line.procedure_code} "
                    f"{proc.description if proc else '(not in the catalogue)'} x{line.units}, "
                    f"billed {line.billed_amount}."
                ),
                citations=tuple(cites),
            )
        )
    if ctx.diagnoses:
        out.append(Statement(text=f"Diagnoses: {', '.join(ctx.diagnoses)}.", citations=(claim_item,)))
    for pa in ctx.prior_auths:
        out.append(
            Statement(
                text=f"Prior authorization {pa.auth_id} for {pa.procedure_code}: {pa.status}, "
                f"valid {pa.valid_from} to {pa.valid_to}.",
                citations=(by_source[("prior_auth", pa.auth_id)],),
            )
        )
    for pol in ctx.policies.values():
        first = (sentences(pol.body) or [""])[0]
        out.append(Statement(text=f"{pol.title}: {first}", citations=(ctx.policy_item_id(pol),)))
    for note in ctx.notes:
        lead = " ".join(sentences(note.body)[:2])
        out.append(Statement(text=f"Note {note.note_id}: {lead}", citations=(ctx.note_item_id(note),)))
    return tuple(out)


class ClaimsAssistant:
    """Runs ``claims.summarize`` and ``claims.ask`` for one principal, with audit events."""

    def __init__(
        self,
        *,
        connector: SqlClaimsConnector,
        retriever: Retriever | None,
        audit: AuditLog,
        policy: PolicyDocument | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.connector = connector
        self.retriever = retriever
        self.audit = audit
        self.policy = policy or default_policy()
        self.clock = clock or SystemClock()

    def _record(
        self,
        principal: Principal,
        task: TaskName,
        subject: dict[str, str],
        outcome: str,
        item_ids: Sequence[str],
        **extra: float | int | None,
    ) -> None:
        self.audit.append_one(
            AuditEvent(
                kind="context.retrieved",
                at=self.clock.now(),
                principal=principal.principal_id,
                on_behalf_of=None,
                purpose=task,
                work_item_id=None,
                subject=subject,
                outcome=outcome,
                reason=f"{len(item_ids)} context items",
                details={"items": sorted(item_ids)[:200], **extra},
                policy_version=self.policy.version,
            )
        )

    def summarize(self, claim_id: str, principal: Principal) -> Answer:
        """Summarize one claim from only what ``principal`` may see; refuse without disclosure."""
        ctx = self.connector.fetch_context(claim_id, self.policy.claim_scope(principal))
        if ctx is None:
            # The id is the caller's text and names nothing they may see: logged by hash only.
            self._record(principal, "claims.summarize", {"claim_ref": id_ref(claim_id)}, "refused", ())
            raise AccessDenied()
        statements = summarize_context(ctx, self.policy, principal)
        allowed = ctx.item_ids()
        verdict = check_citations(statements, allowed)
        self._record(principal, "claims.summarize", {"claim_id": claim_id}, verdict.status, sorted(allowed))
        return Answer(
            task="claims.summarize",
            record_id=claim_id,
            statements=statements if verdict.status == "pass" else (),
            context_item_ids=allowed,
            verdict=verdict,
        )

    def ask(
        self,
        question: str,
        principal: Principal,
        *,
        k: int = 8,
        max_staleness: timedelta | None = None,
        on_stale: StalePolicy = "refuse",
    ) -> Answer:
        """Answer ``question`` extractively from entitled notes, policies and precedent claims."""
        if self.retriever is None:
            raise AccessDenied("search is not configured")
        retrieval = self.retriever.retrieve(
            question, principal, k=k, max_staleness=max_staleness, on_stale=on_stale
        )
        allowed = frozenset(d.item_id for d in retrieval.documents)
        statements = answer_from(question, retrieval)
        verdict = check_citations(statements, allowed)
        age = None if retrieval.staleness is None else retrieval.staleness.total_seconds()
        self._record(
            principal,
            "claims.ask",
            {"task": "claims.ask"},
            verdict.status,
            sorted(allowed),
            staleness_seconds=age,
            withheld=retrieval.withheld,
        )
        return Answer(
            task="claims.ask",
            record_id=None,
            statements=statements if verdict.status == "pass" else (),
            context_item_ids=allowed,
            verdict=verdict,
            staleness_seconds=age,
            complete=retrieval.complete,
        )
