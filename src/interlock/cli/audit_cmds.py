"""``interlock audit ...``: verify, anchor, prove, explain and export the audit trail.

The commands are thin: each opens the store, calls one function of
:mod:`interlock.audit` and prints its result, as text or as JSON with ``--json``.
Exit codes: 0 intact, 1 the trail does not verify (the first bad event is named),
2 a usage problem (a missing key, an unknown event).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    pass
from interlock.cli.app import JsonOpt, StoreOpt, audit_app
from interlock.cli.common import console, fail, open_store, out
from interlock.cli.configured import pick, settings
from interlock.exceptions import InterlockError

#: The signing key's default name; interlock.audit.checkpoint names the same default.
DEFAULT_KEY_NAME = "interlock-audit"

ChainOpt = Annotated[str, typer.Option("--chain", help="Which audit chain.")]
PubkeyOpt = Annotated[
    Path | None, typer.Option("--pubkey", help="Verifier key file written by `audit keygen`.")
]


@audit_app.command("verify")
def audit_verify(
    store: StoreOpt = None,
    json_out: JsonOpt = False,
    checkpoints: Annotated[
        Path | None,
        typer.Option("--checkpoints", help="Directory of signed checkpoints the log must extend."),
    ] = None,
    pubkey: PubkeyOpt = None,
    chain: ChainOpt = "main",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Processes for chains of 200,000+ events (default: the cores available, at most 2).",
        ),
    ] = None,
) -> None:
    """Check the audit chain: sequence, links and head. Exits 1 naming the first bad event.

    With --checkpoints and --pubkey the log must also extend every signed checkpoint,
    which catches a rewrite that recomputed every hash, or a head moved back.
    """
    from interlock.audit.anchor import verify_anchored  # noqa: PLC0415
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.audit.checkpoint import load_verifier  # noqa: PLC0415

    log = AuditLog(open_store(store, create=False), chain, verify_workers=workers)
    if checkpoints is None:
        if pubkey is not None:
            fail("--pubkey needs --checkpoints DIR")
        report = log.verify()
        summary: dict[str, Any] = {
            "ok": report.ok,
            "count": report.count,
            "head": report.head_hash,
            "first_bad_seq": report.first_bad_seq,
            "first_bad_event_id": report.first_bad_event_id,
            "reason": report.reason,
        }
    else:
        if pubkey is None:
            fail("--checkpoints needs --pubkey FILE to check their signatures")
        try:
            anchored = verify_anchored(log, checkpoints, load_verifier(pubkey))
        except InterlockError as exc:
            fail(str(exc))
        summary = {
            "ok": anchored.ok,
            "count": anchored.count,
            "head": anchored.head,
            "tree_head": anchored.tree_head,
            "first_bad_seq": anchored.first_bad_seq,
            "first_bad_event_id": anchored.first_bad_event_id,
            "reason": anchored.reason,
            "checkpoints": anchored.checkpoints,
            "checkpoint_size": None if anchored.checkpoint is None else anchored.checkpoint.size,
            "consistency_proof": list(anchored.proof),
        }
    if summary["ok"] and summary["count"] == 0:
        # An empty trail proves nothing: most often the store URL is not the one written to.
        fail(f"no audit events in chain {chain!r} of this store: nothing to verify", code=1)
    if json_out:
        out.print_json(json.dumps(summary))
    elif summary["ok"]:
        anchored_text = f", {summary['checkpoints']} checkpoint(s) consistent" if checkpoints else ""
        out.print(
            f"audit trail intact: {summary['count']} events, head {summary['head'][:16]}…{anchored_text}"
        )
    else:
        out.print(
            f"audit trail BROKEN at event {summary['first_bad_event_id']} "
            f"(seq {summary['first_bad_seq']}): {summary['reason']}",
            highlight=False,
        )
    if not summary["ok"]:
        raise typer.Exit(1)


@audit_app.command("keygen")
def audit_keygen(
    key: Annotated[Path, typer.Option("--key", help="Where to write the private signing key (PEM).")],
    pubkey: Annotated[Path, typer.Option("--pubkey", help="Where to write the verifier key.")],
    name: Annotated[str, typer.Option(help="Key name shown in signatures.")] = DEFAULT_KEY_NAME,
) -> None:
    """Create an Ed25519 key pair for signing checkpoints; keep the private key away from the store."""
    from interlock.audit.checkpoint import generate_key  # noqa: PLC0415

    try:
        verifier = generate_key(key, pubkey, name=name)
    except InterlockError as exc:
        fail(str(exc))
    out.print(f"wrote {key} (private, mode 0600) and {pubkey}: {verifier.to_text()}", highlight=False)


@audit_app.command("checkpoint")
def audit_checkpoint(
    *,
    store: StoreOpt = None,
    dir_: Annotated[Path, typer.Option("--dir", help="Directory outside the database for checkpoints.")],
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Private signing key from `audit keygen` (default: audit.signing_key)."),
    ] = None,
    chain: ChainOpt = "main",
    json_out: JsonOpt = False,
) -> None:
    """Verify the log, then sign its current size and tree head into DIR."""
    from interlock.audit.anchor import take_checkpoint  # noqa: PLC0415
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.audit.checkpoint import load_signer  # noqa: PLC0415

    key = pick(key, settings().audit.signing_key)
    if key is None:
        fail("give --key FILE or configure audit.signing_key (docs/configuration.md)")
    log = AuditLog(open_store(store, create=False), chain)
    try:
        checkpoint = take_checkpoint(log, dir_, load_signer(key), now=datetime.now(UTC))
    except InterlockError as exc:
        fail(str(exc), code=1)
    if json_out:
        out.print_json(
            json.dumps(
                {
                    "origin": checkpoint.origin,
                    "size": checkpoint.size,
                    "tree_head": checkpoint.root.hex(),
                    "timestamp": checkpoint.at.isoformat(),
                }
            )
        )
    else:
        out.print(
            f"checkpoint {checkpoint.origin} size {checkpoint.size} head {checkpoint.root.hex()[:16]}… "
            f"written to {dir_}",
            highlight=False,
        )


@audit_app.command("prove")
def audit_prove(
    event_id: Annotated[str, typer.Argument(help="Event id such as main:42.")],
    store: StoreOpt = None,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Prove against this signed checkpoint file.")
    ] = None,
    pubkey: PubkeyOpt = None,
) -> None:
    """Print the inclusion proof (JSON) of one event against the current tree head or a checkpoint."""
    from interlock.audit.anchor import prove_inclusion  # noqa: PLC0415
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.audit.checkpoint import (  # noqa: PLC0415
        load_verifier,
        open_note,
    )

    chain = event_id.rpartition(":")[0] or "main"
    log = AuditLog(open_store(store, create=False), chain)
    try:
        anchor = None
        if checkpoint is not None:
            if pubkey is None:
                fail("--checkpoint needs --pubkey FILE to check its signature")
            anchor = open_note(checkpoint.read_text(encoding="utf-8"), load_verifier(pubkey))
        proof = prove_inclusion(log, event_id, anchor)
    except (InterlockError, OSError) as exc:
        fail(str(exc))
    if not proof.verify():
        console.print("[red]the generated proof does not verify[/red]")
        raise typer.Exit(1)
    out.print_json(json.dumps(proof.as_dict()))


CLAIMS_DOMAIN = "claims"
"""The domain ``--claim`` is shorthand for: a claim is a record of a ``claims.*`` task."""


@audit_app.command("explain")
def audit_explain(
    store: StoreOpt = None,
    record_arg: Annotated[
        str | None, typer.Argument(metavar="RECORD_ID", help="The record to explain (same as --record).")
    ] = None,
    record: Annotated[
        str | None, typer.Option("--record", help="A record of any task: every event that names it.")
    ] = None,
    claim: Annotated[
        str | None, typer.Option("--claim", help="A claim: the record's events from claims.* tasks only.")
    ] = None,
    chain: ChainOpt = "main",
) -> None:
    """Say in plain words how a record was decided, from its audit events alone. Exits 1 when none name it."""
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.audit.explain import explain_record, in_domain  # noqa: PLC0415 - only this command needs it

    given = [value for value in (record_arg, record, claim) if value is not None]
    if len(given) != 1:
        fail("name one record: RECORD_ID, --record ID or --claim ID")
    record_id = given[0]
    events = AuditLog(open_store(store, create=False), chain).events_for_record(record_id)
    if claim is not None:
        events = in_domain(events, CLAIMS_DOMAIN)
    if not events:
        fail(f"no audit events for record {record_id!r} in chain {chain!r} of this store", code=1)
    out.print(explain_record(record_id, events), highlight=False, markup=False, soft_wrap=True)


@audit_app.command("export-fhir")
def audit_export_fhir(
    out_path: Annotated[
        Path, typer.Option("--out", help="The file to write (NDJSON, or one Bundle with --bundle).")
    ],
    store: StoreOpt = None,
    chain: ChainOpt = "main",
    bundle: Annotated[
        bool,
        typer.Option(
            "--bundle", help="Write one FHIR Bundle (a transaction of PUTs by default), not NDJSON."
        ),
    ] = False,
    bundle_type: Annotated[
        str,
        typer.Option(
            "--bundle-type", help="transaction or batch (PUT entries a server applies), or collection."
        ),
    ] = "transaction",
    fhir_version: Annotated[
        str, typer.Option("--fhir-version", help="R4, R4B or R5: the models each resource is validated with.")
    ] = "R4",
    base: Annotated[
        str | None, typer.Option("--base", help="The receiving server's base URL, for each entry's fullUrl.")
    ] = None,
) -> None:
    """Write every audit event as a FHIR AuditEvent (DICOM event types, no free text), validated.

    NDJSON by default (one resource a line); --bundle writes one Bundle a FHIR server
    accepts as it is (PUT AuditEvent/<id> entries, so a second export updates).
    """
    from interlock.audit.anchor import stored_events  # noqa: PLC0415
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.audit.fhir import (  # noqa: PLC0415 - fhir.resources is a heavy import
        BUNDLE_TYPES,
        FHIR_VERSIONS,
        write_bundle,
        write_ndjson,
    )

    version = fhir_version.upper()
    if version not in FHIR_VERSIONS:
        fail(f"--fhir-version {fhir_version!r}: choose one of {', '.join(FHIR_VERSIONS)}")
    if bundle_type not in BUNDLE_TYPES:
        fail(f"--bundle-type {bundle_type!r}: choose one of {', '.join(BUNDLE_TYPES)}")
    if not bundle and (bundle_type != "transaction" or base is not None):
        fail("--bundle-type and --base describe a Bundle: add --bundle")
    events = stored_events(AuditLog(open_store(store, create=False), chain))
    if bundle:
        count = write_bundle(events, out_path, version=version, bundle_type=bundle_type, base=base)  # type: ignore[arg-type]
        what = f"a FHIR {version} {bundle_type} Bundle of {count} AuditEvent resources"
    else:
        count = write_ndjson(events, out_path, version)  # type: ignore[arg-type]
        what = f"{count} FHIR {version} AuditEvent resources"
    out.print(f"wrote {what} to {out_path}", highlight=False)
