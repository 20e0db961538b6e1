"""``interlock index sync``, ``summarize``, ``ask`` and ``policy check``.

Registered on the main app by importing this module (see the bottom of
:mod:`interlock.cli.app`). A claim the principal may not see is refused with exit
code 3 and exactly the message a missing claim gets.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from interlock.retrieval.answers import Answer, Assistant
    from interlock.retrieval.embeddings import EmbeddingClient
    from interlock.retrieval.index import SearchIndex
    from interlock.retrieval.planner import StalePolicy
from interlock.cli import configured
from interlock.cli.app import app
from interlock.cli.common import (
    SOR_HELP,
    STORE_HELP,
    console,
    domain_named,
    fail,
    open_sor,
    open_store,
    out,
    resolve_principal,
)
from interlock.exceptions import AccessDenied, InterlockError

index_app = typer.Typer(
    help="The search index over notes, medical policies and claim summaries.", no_args_is_help=True
)
policy_app = typer.Typer(help="Entitlement policy files.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(policy_app, name="policy")

# Left out, the system of record and the store come from the settings (docs/configuration.md).
SorOpt = Annotated[str | None, typer.Option("--sor", help=SOR_HELP)]
StoreOpt = Annotated[str | None, typer.Option("--store", help=STORE_HELP)]
AsOpt = Annotated[str, typer.Option("--as", help="A staff id (or `service`).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DomainOpt = Annotated[str, typer.Option("--domain", help="The registered domain whose records to read.")]
EmbedOpt = Annotated[
    str | None,
    typer.Option(help="Embedding model behind an OpenAI-compatible /v1/embeddings (enables hybrid)."),
]
EmbedUrlOpt = Annotated[str | None, typer.Option(help="Base URL of the embedding server.")]


def _embedder(model: str | None, url: str | None) -> EmbeddingClient | None:
    from interlock.retrieval.embeddings import OpenAIEmbeddings  # noqa: PLC0415

    return OpenAIEmbeddings(model, base_url=url) if model else None


def _index(store: str | None, *, create: bool = True) -> SearchIndex:
    from interlock.retrieval.backends import search_index_for  # noqa: PLC0415

    try:
        return search_index_for(open_store(store, create=create))
    except InterlockError as exc:
        fail(str(exc))


@index_app.command("sync")
def index_sync(
    sor: SorOpt = None,
    store: StoreOpt = None,
    embed_model: EmbedOpt = None,
    embed_url: EmbedUrlOpt = None,
    domain: DomainOpt = "claims",
    json_out: JsonOpt = False,
) -> None:
    """Apply to the index only what changed in the system of record since the last sync."""
    from interlock.retrieval.freshness import sync_index  # noqa: PLC0415

    pack = domain_named(domain)
    if pack.documents is None:
        fail(f"domain {pack.name!r} declares no searchable documents")
    source = pack.documents(open_sor(sor, domain=pack))
    index = _index(store)
    report = sync_index(
        index,
        source,
        now=datetime.now(UTC),
        embedder=_embedder(embed_model, embed_url),
    )
    figures = {
        "inserted": report.inserted,
        "updated": report.updated,
        "attributes_changed": report.attributes_changed,
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "embedded": report.embedded,
        "seconds": round(report.seconds, 3),
    }
    if json_out:
        out.print_json(json.dumps(figures))
    else:
        out.print(", ".join(f"{k} {v}" for k, v in figures.items()))


def _assistant(
    domain: str,
    sor: str | None,
    store: str | None,
    embed_model: str | None,
    embed_url: str | None,
    *,
    needs_index: bool,
) -> Assistant:
    """The domain's assistant over the given (or configured) databases, under the configured policy."""
    from interlock.assembly import assistant_for  # noqa: PLC0415
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.retrieval.planner import Retriever  # noqa: PLC0415

    pack = domain_named(domain)
    if pack.assistant is None:
        fail(f"domain {pack.name!r} declares no summaries or answers")
    # An answer searches the index `index sync` (or the demo) built, so a store that does
    # not exist is a mistyped URL; a summary reads the record alone and may be the first.
    sor_engine, store_engine = open_sor(sor, domain=pack), open_store(store, create=not needs_index)
    retriever = None
    if pack.documents is not None:
        retriever = Retriever(
            _index(store, create=not needs_index),
            pack.documents(sor_engine),
            embedder=_embedder(embed_model, embed_url),
        )
    try:
        policy_document = configured.policy(configured.settings())
    except InterlockError as exc:
        fail(str(exc))
    return assistant_for(
        pack, sor_engine, retriever=retriever, audit=AuditLog(store_engine), policy=policy_document
    )


def _print_answer(answer: Answer, json_out: bool) -> None:
    if answer.verdict.status != "pass":
        fail("answer withheld: " + "; ".join(answer.verdict.reasons), code=4)
    if json_out:
        out.print_json(
            json.dumps(
                {
                    "task": answer.task,
                    "record_id": answer.record_id,
                    "claim_id": answer.record_id,
                    "statements": [
                        {"text": s.text, "citations": list(s.citations)} for s in answer.statements
                    ],
                    "staleness_seconds": answer.staleness_seconds,
                    "complete": answer.complete,
                }
            )
        )
        return
    for s in answer.statements:
        out.print(f"{s.text} [{', '.join(s.citations)}]", markup=False, highlight=False, soft_wrap=True)
    if answer.staleness_seconds is not None:
        console.print(f"index staleness: {answer.staleness_seconds:.0f} s")


@app.command("summarize")
def summarize(
    *,
    record: Annotated[str, typer.Option("--record", "--claim", help="The record (claim) id.")],
    as_: AsOpt,
    sor: SorOpt = None,
    store: StoreOpt = None,
    domain: DomainOpt = "claims",
    json_out: JsonOpt = False,
) -> None:
    """Summarize one record from only what the staff member may see, citing context items."""
    assistant = _assistant(domain, sor, store, None, None, needs_index=False)
    try:
        principal = resolve_principal(assistant.connector, as_)
        answer = assistant.summarize(record, principal)
    except AccessDenied as exc:
        fail(f"record {record}: {exc}", code=3)
    except InterlockError as exc:
        fail(str(exc))
    _print_answer(answer, json_out)


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The question, in words.")],
    *,
    as_: AsOpt,
    sor: SorOpt = None,
    store: StoreOpt = None,
    max_staleness: Annotated[
        float | None,
        typer.Option(help="Refuse (or see --on-stale) when the index is older than this, in seconds."),
    ] = None,
    on_stale: Annotated[
        str, typer.Option(help="refuse, refresh (sync first) or live (read the SOR).")
    ] = "refuse",
    embed_model: EmbedOpt = None,
    embed_url: EmbedUrlOpt = None,
    domain: DomainOpt = "claims",
    json_out: JsonOpt = False,
) -> None:
    """Answer a question extractively from entitled documents (notes, policies, precedent records)."""
    from interlock.exceptions import StaleIndex  # noqa: PLC0415

    if on_stale not in ("refuse", "refresh", "live"):
        fail("--on-stale must be refuse, refresh or live")
    stale_policy: StalePolicy = on_stale  # type: ignore[assignment]
    assistant = _assistant(domain, sor, store, embed_model, embed_url, needs_index=True)
    bound = None if max_staleness is None else timedelta(seconds=max_staleness)
    try:
        principal = resolve_principal(assistant.connector, as_)
        answer = assistant.ask(question, principal, max_staleness=bound, on_stale=stale_policy)
    except StaleIndex as exc:
        fail(str(exc), code=5)
    except InterlockError as exc:
        fail(str(exc))
    _print_answer(answer, json_out)


@policy_app.command("check")
def policy_check(file: Annotated[Path, typer.Argument(help="A policy file (TOML).")]) -> None:
    """Validate a policy file; exit 1 listing every problem found."""
    from interlock.policy.document import (  # noqa: PLC0415
        PolicyInvalid,
        parse_policy_toml,
    )

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", code=1)
    try:
        policy = parse_policy_toml(text)
    except PolicyInvalid as exc:
        console.print(f"[red]{file}: invalid policy[/red]", highlight=False)
        for problem in exc.problems:
            console.print(f"  - {problem}", highlight=False)
        raise typer.Exit(1) from None
    roles = ", ".join(sorted(policy.roles)) or "none"
    out.print(
        f"{file}: valid policy {policy.version}; roles: {roles}; deny rules: {len(policy.deny)}",
        highlight=False,
    )
