"""The MCP server: tools and a resource template over :class:`~interlock.mcp.gateway.Gateway`.

Built on the official SDK's :class:`~mcp.server.mcpserver.MCPServer`. The same server
object serves stdio (one person, ``interlock mcp``) and streamable HTTP (mounted in
``interlock serve`` at ``/mcp``); an :class:`Identity` says who calls on each: the
person named at start-up, or the principal the HTTP request authenticated as.

Every tool returns structured content with an output schema (the models of
:mod:`interlock.mcp.schemas`), and carries honest annotations: the reading tools are
read-only and idempotent; ``run_task`` is not read-only, may change a record of the
system of record (``destructiveHint``: a decision is written), and is idempotent under
its required key. There is no tool that writes a decision directly: ``run_task`` goes
through the engine and its gate, and what the gate holds goes to a person.

This module deliberately has no ``from __future__ import annotations``: the SDK reads
the tools' signatures at run time, and the ``task`` parameter's type is a ``Literal``
of the served tasks, built when the server is.
"""

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from interlock.mcp.gateway import CallNote, Client, Gateway, ToolProblem
from interlock.mcp.schemas import AnswerOut, ReviewItemOut, RunOut, SearchOut, WorkItemOut
from interlock.policy.principal import Principal

__all__ = ["SERVER_NAME", "Identity", "build_server"]

SERVER_NAME = "interlock"
T = TypeVar("T")

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
#: ``run_task`` writes a decision (or a hold) to the system of record: not read-only,
#: possibly destructive, and idempotent because a repeated key answers without running again.
RUNS_A_TASK = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)

INSTRUCTIONS = (
    "Interlock reaches a system of record on behalf of the person or service you act for. "
    "Every read is limited to what that principal may see: a record outside it is answered exactly "
    "like one that does not exist. run_task decides a record through Interlock's gate; it needs an "
    "idempotency key of your own, new for each intended run and the same on every retry of that run. "
    "A held decision goes to a person (pending_review, with the review item's id and desk link)."
)


class Identity(Protocol):
    """Who calls, for one request: the principal (re-read for every call) and the client."""

    def principal(self, ctx: Context) -> Principal:
        """The principal the call acts for; raises :class:`ToolProblem` when there is none."""
        ...

    def client(self, ctx: Context) -> Client:
        """The MCP client's declared identity and the transport."""
        ...


def client_info(ctx: Context) -> tuple[str | None, str | None]:
    """The name and version the MCP client declared, if it did."""
    try:
        params = ctx.request_context.session.client_params
    except (ValueError, AttributeError):
        return None, None
    if params is None:
        return None, None
    return params.client_info.name, params.client_info.version


def build_server(gateway: Gateway, identity: Identity) -> MCPServer:
    """The MCP server exposing ``gateway``'s operations for every task the process serves."""
    server: MCPServer = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, log_level="WARNING")
    names = tuple(gateway.svc.tasks)
    default_purpose = names[0]
    # The served tasks as the schema's enum: an agent sees which it may name.
    TaskName: Any = Literal[names]  # noqa: N806 - a type, built at run time

    async def invoke(tool: str, ctx: Context, note: CallNote, work: Callable[[Principal, Client], T]) -> T:
        def run() -> T:
            client = identity.client(ctx)
            try:
                principal = identity.principal(ctx)
                return gateway.call(tool, principal, client, note, lambda: work(principal, client))
            except ToolProblem as problem:
                raise ToolError(problem.message) from None

        return await anyio.to_thread.run_sync(run)

    async def search(
        query: Annotated[str, Field(min_length=1, max_length=1000, description="Words to search for.")],
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=50, description="How many documents at most.")] = 10,
    ) -> SearchOut:
        """Search the documents the caller may see (notes, reference policies, record summaries).

        Entitlements are applied inside the search, and every result is re-checked against the
        live system of record. Each result names its provenance: the context item id
        (source:id@version) a citation uses.
        """
        note = CallNote(purpose="search")
        return await invoke("search", ctx, note, lambda p, _c: gateway.search(p, note, query, limit))

    async def summarize(
        task: Annotated[TaskName, Field(description="The task whose record to summarize.")],
        record_id: Annotated[str, Field(min_length=1, max_length=200, description="The record's id.")],
        ctx: Context,
    ) -> AnswerOut:
        """Summarize one record from only what the caller may see, each statement citing its source.

        Fields the policy masks for the caller stay masked. A record the caller may not see is
        answered exactly like a record that does not exist.
        """
        note = CallNote(purpose=task)
        return await invoke("summarize", ctx, note, lambda p, _c: gateway.summarize(p, note, task, record_id))

    async def ask(
        question: Annotated[str, Field(min_length=1, max_length=2000, description="The question, in words.")],
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=20, description="Documents to answer from.")] = 8,
    ) -> AnswerOut:
        """Answer a question extractively from the documents the caller may see, citing each.

        Nothing is generated: every statement is a sentence of an entitled document, and an answer
        citing anything outside the caller's context is withheld (verdict block).
        """
        note = CallNote(purpose=default_purpose)
        return await invoke("ask", ctx, note, lambda p, _c: gateway.ask(p, note, question, limit))

    async def run_task(
        task: Annotated[TaskName, Field(description="The task to run (for example claims.adjudicate).")],
        record_id: Annotated[str, Field(min_length=1, max_length=200, description="The record's id.")],
        idempotency_key: Annotated[
            str,
            Field(
                min_length=1,
                max_length=200,
                description="Your key for this intended run: new for each run, the same on every retry. "
                "A repeated key answers the first result and never runs again; a key used for "
                "another record is refused.",
            ),
        ],
        ctx: Context,
    ) -> RunOut:
        """Run a task on one record through Interlock's engine and gate.

        Rules, a model where the task needs judgement, then the gate: a passing decision is
        written to the system of record exactly once; anything the gate holds goes to a person
        (status pending_review, with the review item's id and desk link). deferred or busy means
        not finished yet: call again later with the same idempotency key.
        """
        note = CallNote(purpose=task)
        return await invoke(
            "run_task",
            ctx,
            note,
            lambda p, c: gateway.run_task(p, note, task, record_id, idempotency_key, c.base_url),
        )

    async def get_work_item(
        work_item_id: Annotated[str, Field(min_length=1, max_length=200, description="A work item id.")],
        ctx: Context,
    ) -> WorkItemOut:
        """A work item's status (pending, leased, deferred, done) and route, if the caller may see its record."""
        note = CallNote(purpose=default_purpose)
        return await invoke(
            "get_work_item", ctx, note, lambda p, _c: gateway.work_item(p, note, work_item_id)
        )

    async def get_review_item(
        review_id: Annotated[str, Field(min_length=1, max_length=200, description="A review item id.")],
        ctx: Context,
    ) -> ReviewItemOut:
        """A review item (open or decided, why it went to a person, the desk link), within the caller's scope."""
        note = CallNote(purpose=default_purpose)
        return await invoke(
            "get_review_item", ctx, note, lambda p, c: gateway.review_item(p, note, review_id, c.base_url)
        )

    for fn, title in (
        (search, "Search entitled documents"),
        (summarize, "Summarize a record"),
        (ask, "Answer from entitled documents"),
        (get_work_item, "Get a work item"),
        (get_review_item, "Get a review item"),
    ):
        server.add_tool(fn, title=title, annotations=READ_ONLY, structured_output=True)
    server.add_tool(
        run_task, title="Run a task through the gate", annotations=RUNS_A_TASK, structured_output=True
    )

    async def record(task: str, record_id: str, ctx: Context) -> str:
        """A record as the caller may see it (masked as the policy says): its cited summary, as JSON."""
        note = CallNote(purpose=task if task in names else default_purpose)
        try:
            out = await invoke(
                "resource", ctx, note, lambda p, _c: gateway.summarize(p, note, task, record_id)
            )
        except ToolError as exc:
            raise ResourceError(str(exc)) from None
        return json.dumps(out.model_dump(mode="json"))

    server.resource(
        "interlock://{task}/{record_id}",
        name="record",
        title="A record, as the caller may see it",
        description="interlock://TASK/RECORD_ID: the record's summary (masked per policy), each statement citing its context item.",
        mime_type="application/json",
    )(record)
    return server
