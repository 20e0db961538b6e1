"""Training the expense-account baseline on the ERP's decided history.

The labels are what people already decided: every approved invoice's postings name
the account each line went to. An approved invoice without a purchase order gives one
example of its lines and invoice text; every approved line (with or without a PO)
gives one of its description. The chart's own account descriptions are added as
examples too, so an account with little history is still recognisable from what the
chart says belongs in it.

scikit-learn fits a tf-idf + multinomial logistic regression; the fitted numbers are
exported to a JSON artifact (:class:`~interlock.domains.invoices.baseline.BaselineArtifact`)
that numpy alone runs. A fifth of the examples (chosen by a hash of their wording, so
the split is stable and held-out wordings are unseen) is held out to fit a temperature that calibrates the confidence and to
report accuracy and coverage at the gate's threshold.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sqlalchemy import Engine, select

from interlock.domains.invoices import schema as t
from interlock.domains.invoices.asking import invoice_text
from interlock.domains.invoices.baseline import READ_KINDS, AccountBaseline, BaselineArtifact, features
from interlock.exceptions import ConfigurationError
from interlock.models.registry import save_trained

__all__ = ["MIN_EXAMPLES", "Example", "load_examples", "reference_texts", "train_and_store", "train_artifact"]

#: Fewer labelled invoices than this make no useful baseline.
MIN_EXAMPLES = 20
#: The gate's default approve threshold, at which coverage and accuracy are reported.
REPORT_THRESHOLD = 0.9
_CHART_REPEAT = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One labelled text: an invoice (lines + invoice text) or a line, and its account."""

    text: str
    account: str
    invoice_id: str
    whole_invoice: bool


def load_examples(sor: Engine) -> list[Example]:
    """Labelled examples from every approved invoice of the ERP, in a stable order."""
    approved = (
        select(t.invoices.c.invoice_id, t.invoices.c.po_number, t.invoice_decisions.c.decision_id)
        .join(t.invoice_decisions, t.invoice_decisions.c.invoice_id == t.invoices.c.invoice_id)
        .where(t.invoice_decisions.c.outcome == "approve")
        .order_by(t.invoices.c.invoice_id)
    )
    lines_q = select(
        t.invoice_lines.c.invoice_id, t.invoice_lines.c.line_no, t.invoice_lines.c.description
    ).where(t.invoice_lines.c.invoice_id.in_(approved.with_only_columns(t.invoices.c.invoice_id)))
    postings_q = select(
        t.invoice_postings.c.decision_id, t.invoice_postings.c.line_no, t.invoice_postings.c.gl_account
    )
    docs_q = (
        select(t.invoice_documents.c.invoice_id, t.invoice_documents.c.kind, t.invoice_documents.c.body)
        .where(t.invoice_documents.c.kind.in_(sorted(READ_KINDS)))
        .order_by(t.invoice_documents.c.received_at, t.invoice_documents.c.doc_id)
    )
    with sor.connect() as conn:
        invoices = conn.execute(approved).all()
        lines: dict[str, dict[int, str]] = defaultdict(dict)
        for invoice_id, line_no, description in conn.execute(lines_q):
            lines[str(invoice_id)][int(line_no)] = str(description)
        postings: dict[str, dict[int, str]] = defaultdict(dict)
        for decision_id, line_no, account in conn.execute(postings_q):
            postings[str(decision_id)][int(line_no)] = str(account)
        docs: dict[str, list[str]] = defaultdict(list)
        for invoice_id, _, body in conn.execute(docs_q):
            docs[str(invoice_id)].append(str(body))
    examples: list[Example] = []
    for invoice_id, po_number, decision_id in invoices:
        iid = str(invoice_id)
        by_line, accounts = lines[iid], postings[str(decision_id)]
        for line_no, description in sorted(by_line.items()):
            if line_no in accounts:
                examples.append(
                    Example(text=description, account=accounts[line_no], invoice_id=iid, whole_invoice=False)
                )
        distinct = set(accounts.values())
        if po_number is None and len(distinct) == 1 and by_line:
            text = " . ".join([*(by_line[n] for n in sorted(by_line)), *docs[iid]])
            examples.append(Example(text=text, account=distinct.pop(), invoice_id=iid, whole_invoice=True))
    return examples


def chart_examples(sor: Engine) -> list[Example]:
    """Each active account's name and description, as what belongs in it."""
    query = select(t.gl_accounts.c.account, t.gl_accounts.c.name, t.gl_accounts.c.description).where(
        t.gl_accounts.c.active == 1
    )
    with sor.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Example(text=f"{name}. {description}", account=str(account), invoice_id="chart", whole_invoice=False)
        for account, name, description in rows
        for _ in range(_CHART_REPEAT)
    ]


def _held_out(example: Example) -> bool:
    """About a fifth of the examples, chosen by what was bought rather than by invoice.

    Items repeat across invoices; holding out whole wordings (the first words of the
    line, or of the invoice's first line) keeps every held-out wording unseen in
    training, so the temperature is fitted on text the model has not memorised.
    """
    if example.invoice_id == "chart":
        return False
    key = " ".join(features(example.text.split(" . ")[0])[:3])
    return hashlib.sha256(key.encode()).digest()[0] < 52


def _fit(examples: Sequence[Example], seed: int) -> tuple[TfidfVectorizer, LogisticRegression]:
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2")
    matrix = vectorizer.fit_transform([e.text for e in examples])
    classifier = LogisticRegression(C=20.0, max_iter=2000, random_state=seed)
    classifier.fit(matrix, [e.account for e in examples])
    return vectorizer, classifier


def _artifact(
    vectorizer: TfidfVectorizer,
    classifier: LogisticRegression,
    *,
    temperature: float,
    metrics: Mapping[str, Any],
) -> BaselineArtifact:
    vocabulary = sorted(vectorizer.vocabulary_, key=lambda term: vectorizer.vocabulary_[term])
    return BaselineArtifact(
        classes=[str(c) for c in classifier.classes_],
        vocabulary=[str(v) for v in vocabulary],
        idf=[round(float(x), 8) for x in vectorizer.idf_],
        coef=[[round(float(x), 8) for x in row] for row in classifier.coef_],
        intercept=[round(float(x), 8) for x in classifier.intercept_],
        temperature=temperature,
        min_confidence=0.5,
        min_evidence=3,
        metrics=dict(metrics),
    )


def _calibrate(model: AccountBaseline, held: Sequence[Example]) -> tuple[float, dict[str, Any]]:
    """The temperature minimising held-out log loss, and accuracy/coverage at the report threshold."""
    classes = model.artifact.classes
    index = {c: i for i, c in enumerate(classes)}
    usable = [e for e in held if e.account in index]
    if not usable:
        return 1.0, {"held_out": 0}
    base = model.artifact

    def readings(temperature: float) -> list[np.ndarray[Any, Any]]:
        probe = AccountBaseline(replace(base, temperature=temperature))
        return [probe.read(e.text).probabilities for e in usable]

    best_t, best_loss = 1.0, float("inf")
    for temperature in np.geomspace(0.25, 5.0, 40):
        probs = readings(float(temperature))
        loss = -sum(
            float(np.log(max(p[index[e.account]], 1e-12))) for p, e in zip(probs, usable, strict=True)
        )
        if loss < best_loss:
            best_t, best_loss = float(temperature), loss
    probs = readings(best_t)
    top = [(classes[int(np.argmax(p))], float(np.max(p))) for p in probs]
    right = [c == e.account for (c, _), e in zip(top, usable, strict=True)]
    confident = [ok for (_, p), ok in zip(top, right, strict=True) if p >= REPORT_THRESHOLD]
    whole = [ok for ok, e in zip(right, usable, strict=True) if e.whole_invoice]
    return best_t, {
        "held_out": len(usable),
        "held_out_invoices": len(whole),
        "accuracy": round(sum(right) / len(right), 4),
        "invoice_accuracy": round(sum(whole) / len(whole), 4) if whole else None,
        "coverage_at_threshold": round(len(confident) / len(right), 4),
        "accuracy_at_threshold": round(sum(confident) / len(confident), 4) if confident else None,
        "threshold": REPORT_THRESHOLD,
        "temperature": round(best_t, 4),
    }


def train_artifact(
    examples: Sequence[Example], chart: Sequence[Example], *, seed: int = 0
) -> BaselineArtifact:
    """Fit on the history and the chart; calibrate on a stable fifth of the invoices; refit on all."""
    if sum(e.whole_invoice for e in examples) < MIN_EXAMPLES:
        raise ConfigurationError(
            f"only {sum(e.whole_invoice for e in examples)} approved invoices without a purchase order "
            f"in the history: too few to train on (at least {MIN_EXAMPLES})"
        )
    train = [e for e in examples if not _held_out(e)]
    held = [e for e in examples if _held_out(e)]
    vectorizer, classifier = _fit([*train, *chart], seed)
    probe = AccountBaseline(_artifact(vectorizer, classifier, temperature=1.0, metrics={}))
    temperature, metrics = _calibrate(probe, held)
    vectorizer, classifier = _fit([*examples, *chart], seed)
    metrics = {**metrics, "examples": len(examples), "invoices": sum(e.whole_invoice for e in examples)}
    return _artifact(vectorizer, classifier, temperature=temperature, metrics=metrics)


def train_and_store(sor: Engine, store: Engine, *, kind: str, now: datetime, seed: int = 0) -> dict[str, Any]:
    """Train on the ERP's decided history and keep the artifact in Interlock's store under ``kind``."""
    examples = load_examples(sor)
    artifact = train_artifact(examples, chart_examples(sor), seed=seed)
    model = AccountBaseline(artifact)
    model_id = save_trained(
        store,
        kind=kind,
        model_id=model.model_id,
        artifact=artifact.to_json(),
        metrics=artifact.metrics,
        now=now,
    )
    return {"model_id": model_id, "examples": len(examples), "metrics": artifact.metrics}


def reference_texts(sor: Engine) -> list[str]:
    """Lines and documents of every decided history invoice, by invoice id.

    The familiar region's reference texts, built as the question reads a backlog invoice
    (:func:`~interlock.domains.invoices.asking.invoice_text`). Invoices on a purchase
    order count too: the baseline learns from every approved line's description, so a
    non-PO invoice for what is usually bought on an order is still familiar wording.
    """
    decided = (
        select(t.invoices.c.invoice_id)
        .where(t.invoices.c.invoice_id.in_(select(t.invoice_decisions.c.invoice_id)))
        .order_by(t.invoices.c.invoice_id)
    )
    lines_q = select(t.invoice_lines.c.invoice_id, t.invoice_lines.c.description).order_by(
        t.invoice_lines.c.invoice_id, t.invoice_lines.c.line_no
    )
    docs_q = select(t.invoice_documents.c.invoice_id, t.invoice_documents.c.body).order_by(
        t.invoice_documents.c.invoice_id, t.invoice_documents.c.received_at, t.invoice_documents.c.doc_id
    )
    with sor.connect() as conn:
        ids = [str(i) for i in conn.execute(decided).scalars()]
        wanted = set(ids)
        lines: dict[str, list[str]] = defaultdict(list)
        for invoice_id, description in conn.execute(lines_q):
            if str(invoice_id) in wanted:
                lines[str(invoice_id)].append(str(description))
        docs: dict[str, list[str]] = defaultdict(list)
        for invoice_id, body in conn.execute(docs_q):
            if str(invoice_id) in wanted:
                docs[str(invoice_id)].append(str(body))
    return [invoice_text(lines[i], docs[i]) for i in ids]
