"""What the MCP tools do, over the same services the HTTP API uses.

Every operation takes the calling :class:`~interlock.policy.principal.Principal` and
goes through the same pieces the API goes through: the task's compiled scope pushed
into the query that finds a record, the engine (and so the gate, the recovery point
and the idempotent write) for ``run_task``, the domain's assistant for summaries and
answers, the entitlement-filtered retriever for search, the scoped review queue. A
record, work item or review item the caller may not see is answered with
:data:`NOT_FOUND`, the very answer a missing one gets.

Every call leaves one ``tool.called`` audit event (besides the events the engine and
the assistant append themselves): the tool, the task, the MCP client's declared name,
the ids of what was returned, and how the call ended. What the agent wrote (a query, a
question, an idempotency key, an id that names nothing visible) enters the trail only
as a SHA-256 reference (:func:`~interlock.audit.events.content_ref` with the
deployment's salt, else :func:`~interlock.audit.events.id_ref`).

``run_task`` requires an idempotency key. The key is kept per principal, as its hash,
bound to the task and record it first named (:data:`interlock.store.schema.tool_calls`);
a retry with the key answers the result the first call got and runs nothing, and the
key sent for another record is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from interlock.audit.events import AuditEvent, JsonInput, content_ref, id_ref
from interlock.connectors.pg_access import acting_as
from interlock.exceptions import AccessDenied, InterlockError
from interlock.mcp.schemas import (
    AnswerOut,
    ReviewItemOut,
    RunOut,
    SearchHit,
    SearchOut,
    StatementOut,
    WorkItemOut,
)
from interlock.retrieval.answers import sentences
from interlock.review.queue import ReviewRow, review_row
from interlock.store.schema import review_items, tool_calls

if TYPE_CHECKING:
    from interlock.api.services import Services
    from interlock.engine import ItemResult
    from interlock.policy.principal import Principal
    from interlock.retrieval.answers import Answer
    from interlock.task import Task

__all__ = ["NOT_FOUND", "CallNote", "Client", "Gateway", "ToolProblem"]

#: The one answer for a record, work item or review item that is missing or hidden.
NOT_FOUND: Final = "not found: no such record, or you may not see it"
#: The longest id or idempotency key taken as such; a longer one names nothing.
MAX_ID_CHARS: Final = 200
_CLIENT_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/@+-]{0,63}$")
_FINAL: Final = frozenset({"done", "pending_review"})
Outcome = Literal["ok", "not_found", "refused", "error"]
T = TypeVar("T")


class ToolProblem(Exception):
    """A tool call that cannot be answered; ``message`` is what the agent is told."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome: Outcome = outcome
        self.message = message


def _not_found() -> ToolProblem:
    return ToolProblem("not_found", NOT_FOUND)


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    """Who is on the other end: the MCP client's declared name and version, and the transport."""

    name: str | None
    version: str | None
    transport: Literal["stdio", "streamable-http"]
    #: The server's public base URL (for desk links); ``None`` over stdio.
    base_url: str | None = None


@dataclass(slots=True)
class CallNote:
    """What one tool call leaves in the trail, filled in as the call goes."""

    purpose: str
    subject: dict[str, str | int] = field(default_factory=dict)
    work_item_id: str | None = None
    items: list[str] = field(default_factory=list)
    details: dict[str, JsonInput] = field(default_factory=dict)
    reason: str = ""


def _usable_id(value: str) -> bool:
    """An id that could name something: not empty, not too long, no NUL (PostgreSQL cannot compare one)."""
    return 0 < len(value) <= MAX_ID_CHARS and "\x00" not in value


def _text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


class Gateway:
    """The tools' operations for one process's :class:`~interlock.api.services.Services`."""

    def __init__(self, services: Services) -> None:
        self.svc = services

    # -- the audit of every call -------------------------------------------------

    def ref(self, text: str) -> str:
        """A SHA-256 reference to text the agent sent: salted when the deployment has a salt."""
        salt = self.svc.content_salt
        return content_ref(salt, text) if salt is not None else id_ref(text)

    def record_subject(self, note: CallNote, record_id: str, *, found: bool) -> None:
        """Name the record in the trail by id when it was found, by hash when it names nothing visible."""
        note.subject = {"record_id": record_id} if found else {"record_ref": id_ref(record_id)}

    def call(
        self,
        tool: str,
        principal: Principal,
        client: Client,
        note: CallNote,
        work: Callable[[], T],
    ) -> T:
        """Run ``work`` as ``principal`` and append its ``tool.called`` event, however it ends."""
        outcome: Outcome = "error"
        message = ""
        try:
            with acting_as(principal):
                value = work()
            outcome = "ok"
            return value
        except ToolProblem as problem:
            outcome, message = problem.outcome, problem.message
            raise
        except AccessDenied:
            outcome, message = "not_found", NOT_FOUND
            raise _not_found() from None
        except InterlockError as exc:
            outcome, message = "error", type(exc).__name__
            raise ToolProblem("error", f"{type(exc).__name__}: the call could not be completed") from None
        finally:
            self._append(tool, principal, client, note, outcome, message)

    def _append(
        self, tool: str, principal: Principal, client: Client, note: CallNote, outcome: Outcome, message: str
    ) -> None:
        name = client.name if client.name is not None and _CLIENT_NAME.match(client.name) else None
        details: dict[str, JsonInput] = {
            "tool": tool,
            "transport": client.transport,
            "client": name if name is not None else (self.ref(client.name) if client.name else None),
            "client_version": (
                client.version if client.version and _CLIENT_NAME.match(client.version) else None
            ),
            **note.details,
        }
        if note.items:
            details["items"] = sorted(note.items)[:200]
        self.svc.audit.append_one(
            AuditEvent(
                kind="tool.called",
                at=self.svc.clock.now(),
                principal=principal.principal_id,
                on_behalf_of=None,
                purpose=note.purpose,
                work_item_id=note.work_item_id,
                subject=note.subject,
                outcome=outcome,
                # Only this module's own words: a problem's message or a fixed phrase, never the agent's.
                reason=message or note.reason or f"mcp {tool}",
                details=details,
                policy_version=self.svc.policy.version,
            )
        )

    # -- the operations ---------------------------------------------------------

    def served(self, name: str) -> Task[Any, Any, Any, Any]:
        """The served task ``name``; any other name is answered as a missing record."""
        task = self.svc.task(name)
        if task is None:
            raise _not_found()
        return task

    def search(self, principal: Principal, note: CallNote, query: str, limit: int) -> SearchOut:
        """The ``limit`` best documents for ``query`` that ``principal`` may see."""
        note.details["query"] = self.ref(query)
        retriever = self.svc.retriever
        if retriever is None:
            raise ToolProblem("error", "search is unavailable: it needs a SQLite store")
        found = retriever.retrieve(query, principal, k=limit)
        hits = [
            SearchHit(
                item_id=d.item_id,
                kind=d.document.kind,
                source=d.item_id.split(":", 1)[0],
                source_id=d.document.source_id,
                record_id=d.document.claim_id,
                title=d.document.title,
                snippet=(sentences(d.document.body) or [""])[0][:240],
                score=round(d.score, 6),
            )
            for d in found.documents
        ]
        note.items = [h.item_id for h in hits]
        note.reason = f"{len(hits)} documents"
        return SearchOut(
            results=hits,
            complete=found.complete,
            staleness_seconds=None if found.staleness is None else found.staleness.total_seconds(),
        )

    def summarize(self, principal: Principal, note: CallNote, task: str, record_id: str) -> AnswerOut:
        """The summary of one record from only what ``principal`` may see."""
        self.record_subject(note, record_id, found=False)
        self.served(task)
        assistant = self.svc.assistant
        if assistant is None:
            raise ToolProblem("error", f"the {self.svc.domain.name} domain declares no summaries")
        if not _usable_id(record_id):
            raise _not_found()
        answer = assistant.summarize(record_id, principal)
        self.record_subject(note, record_id, found=True)
        note.items = sorted(answer.context_item_ids)
        return _answer(answer)

    def ask(self, principal: Principal, note: CallNote, question: str, limit: int) -> AnswerOut:
        """An extractive answer to ``question`` from the documents ``principal`` may see."""
        note.details["question"] = self.ref(question)
        assistant = self.svc.assistant
        if assistant is None or self.svc.retriever is None:
            raise ToolProblem(
                "error", "answers are unavailable: they need a domain assistant and a SQLite store"
            )
        answer = assistant.ask(question, principal, k=limit)
        note.items = sorted(answer.context_item_ids)
        return _answer(answer)

    def run_task(
        self,
        principal: Principal,
        note: CallNote,
        task_name: str,
        record_id: str,
        idempotency_key: str,
        base_url: str | None,
    ) -> RunOut:
        """Run ``task_name`` on one record through the engine, once per idempotency key."""
        self.record_subject(note, record_id, found=False)
        key = idempotency_key.strip()
        if not key:
            raise ToolProblem(
                "refused", "an idempotency key is required: send a new unique key per intended run"
            )
        if len(key) > MAX_ID_CHARS:
            raise ToolProblem("refused", f"the idempotency key is longer than {MAX_ID_CHARS} characters")
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        note.details["idempotency_key"] = self.ref(key)
        task = self.served(task_name)
        if not principal.may_run(task.name):
            raise ToolProblem("refused", f"the caller may take no action in {task.name}")
        if not _usable_id(record_id):
            raise _not_found()
        keys = _Keys(self.svc.store, principal.principal_id, digest)
        earlier = keys.bind(task.name, record_id, self.svc.clock.now())
        if earlier is not None and earlier.get("status") in _FINAL:
            self.record_subject(note, record_id, found=True)
            note.work_item_id = earlier.get("work_item_id")
            note.details["replayed"] = True
            return RunOut.model_validate({**earlier, "replayed": True})
        try:
            result = self.svc.engine_for(principal, task.name).process(record_id)
        except AccessDenied:
            keys.release()
            raise
        self.svc.stats.record(result)
        out = self._run_out(task.name, result, base_url)
        keys.finish(out, self.svc.clock.now())
        self.record_subject(note, record_id, found=True)
        note.work_item_id = out.work_item_id
        note.reason = f"{out.status}: route {out.route}"
        note.details["route"] = out.route
        return out

    def _run_out(self, task: str, result: ItemResult, base_url: str | None) -> RunOut:
        from interlock.api.services import work_item_id  # noqa: PLC0415 - keeps this module light

        version = result.record_version
        item_id = work_item_id(task, result.record_id, version) if version is not None else None
        review_id = self._review_of_item(item_id) if result.route == "review" and item_id else None
        status: Literal["done", "pending_review", "deferred", "busy"]
        match result.route:
            case "review":
                status = "pending_review"
            case "defer" | "superseded":
                status = "deferred"
            case "busy":
                status = "busy"
            case _:
                status = "done"
        return RunOut(
            task=task,
            record_id=result.record_id,
            record_version=version,
            work_item_id=item_id,
            status=status,
            route=result.route,
            outcome=result.outcome,
            reason_code=result.reason_code,
            reason=result.reason,
            decided_by=result.decided_by,
            review_id=review_id,
            desk_url=desk_url(base_url, review_id) if review_id else None,
            replayed=result.replayed,
        )

    def _review_of_item(self, item_id: str) -> str | None:
        with self.svc.store.connect() as conn:
            found = conn.execute(
                select(review_items.c.review_id).where(review_items.c.work_item_id == item_id)
            ).scalar_one_or_none()
        return None if found is None else str(found)

    def work_item(self, principal: Principal, note: CallNote, item_id: str) -> WorkItemOut:
        """A work item, if ``principal`` may read the record it works on."""
        note.subject = {"work_item_ref": id_ref(item_id)}
        row = self.svc.work_item_row(item_id) if _usable_id(item_id) else None
        task = self.svc.task(str(row["task"])) if row is not None else None
        if (
            row is None
            or task is None
            or self.svc.connector.record_version(
                str(row["record_id"]), task.scope(self.svc.policy, principal)
            )
            is None
        ):
            raise _not_found()
        note.purpose = task.name
        note.work_item_id = item_id
        self.record_subject(note, str(row["record_id"]), found=True)
        return WorkItemOut(
            work_item_id=str(row["work_item_id"]),
            task=str(row["task"]),
            record_id=str(row["record_id"]),
            record_version=int(row["record_version"]),
            status=str(row["status"]),
            route=row["route"],
            reason=row["reason"],
            attempt=int(row["attempt"]),
            defer_count=int(row["defer_count"]),
            created_at=_text(row["created_at"]) or "",
            updated_at=_text(row["updated_at"]) or "",
        )

    def review_item(
        self, principal: Principal, note: CallNote, review_id: str, base_url: str | None
    ) -> ReviewItemOut:
        """A review item of any served task, if ``principal`` may see it."""
        note.subject = {"review_ref": id_ref(review_id)}
        row = self._review_row(principal, review_id) if _usable_id(review_id) else None
        if row is None:
            raise _not_found()
        note.purpose = row.task
        note.work_item_id = row.work_item_id
        note.subject = {"record_id": row.record_id, "review_id": row.review_id}
        return ReviewItemOut(
            review_id=row.review_id,
            work_item_id=row.work_item_id,
            task=row.task,
            record_id=row.record_id,
            record_version=row.record_version,
            status=row.status,
            reason=row.reason,
            amount=str(row.amount),
            attributes=dict(row.attributes),
            opened_at=_text(row.opened_at) or "",
            decided_by=row.decided_by,
            decided_at=_text(row.decided_at),
            findings=[{str(k): str(v) for k, v in f.items()} for f in row.findings],
            desk_url=desk_url(base_url, row.review_id),
        )

    def _review_row(self, principal: Principal, review_id: str) -> ReviewRow | None:
        """As the API finds one: the store's scoped copy, then the system of record behind it."""
        for task in self.svc.tasks.values():
            scope = task.scope(self.svc.policy, principal)
            row = review_row(self.svc.store, review_id, scope)
            if row is not None and row.task == task.name:
                if self.svc.connector.record_version(row.record_id, scope) is None:
                    return None
                return row
        return None


def desk_url(base_url: str | None, review_id: str) -> str:
    """The review desk's page of one review item (a path when the server's URL is unknown)."""
    return f"{(base_url or '').rstrip('/')}/desk/reviews/{review_id}"


def _answer(answer: Answer) -> AnswerOut:
    return AnswerOut(
        task=answer.task,
        record_id=answer.record_id,
        verdict=answer.verdict.status,
        statements=[StatementOut(text=s.text, citations=list(s.citations)) for s in answer.statements],
        complete=answer.complete,
        staleness_seconds=answer.staleness_seconds,
    )


class _Keys:
    """One principal's idempotency key in ``tool_calls``: bound once, then answered from."""

    def __init__(self, store: Engine, principal: str, digest: str) -> None:
        self.store = store
        self.where = (tool_calls.c.principal == principal) & (tool_calls.c.key_sha256 == digest)
        self.principal = principal
        self.digest = digest

    def bind(self, task: str, record_id: str, now: datetime) -> Mapping[str, Any] | None:
        """Bind the key to (task, record); the earlier result when it was bound to them before.

        A key bound to another task or record is refused. ``None`` means there is no
        final result to answer from: the caller runs the task.
        """
        stamp = now.astimezone(UTC).replace(tzinfo=None)
        for _ in range(2):
            with self.store.begin() as conn:
                row = conn.execute(select(tool_calls).where(self.where)).mappings().first()
                if row is None:
                    try:
                        with conn.begin_nested():
                            conn.execute(
                                insert(tool_calls).values(
                                    principal=self.principal,
                                    key_sha256=self.digest,
                                    task=task,
                                    record_id=record_id,
                                    created_at=stamp,
                                    updated_at=stamp,
                                )
                            )
                    except IntegrityError:
                        continue  # bound at the same moment by a concurrent call: read it again
                    return None
            if (row["task"], row["record_id"]) != (task, record_id):
                raise ToolProblem(
                    "refused",
                    "this idempotency key was already used for another task or record: "
                    "send a new key for a new intended run",
                )
            return None if row["result"] is None else dict(json.loads(row["result"]))
        raise ToolProblem("error", "the idempotency key could not be bound; try again")

    def finish(self, out: RunOut, now: datetime) -> None:
        """Keep the result the key answers from now on."""
        with self.store.begin() as conn:
            conn.execute(
                update(tool_calls)
                .where(self.where)
                .values(
                    work_item_id=out.work_item_id,
                    result=out.model_dump_json(),
                    updated_at=now.astimezone(UTC).replace(tzinfo=None),
                )
            )

    def release(self) -> None:
        """Unbind a key whose record was not found, exactly as if it had never been sent."""
        with self.store.begin() as conn:
            conn.execute(delete(tool_calls).where(self.where & tool_calls.c.result.is_(None)))
