"""The OpenAI-compatible embeddings adapter against a real loopback server."""

from __future__ import annotations

import numpy as np
import pytest

from interlock.domains.claims.testing.model_server import ScriptedModelServer
from interlock.exceptions import ModelUnavailable
from interlock.retrieval.embeddings import OpenAIEmbeddings, cosine_top_k


def test_embeddings_come_back_in_input_order_and_rank_by_similarity() -> None:
    """Vectors are returned one per text, in order, and similar texts rank first."""
    texts = ["physical therapy for knee pain", "sleep apnea study", "knee pain after physical therapy"]
    with ScriptedModelServer() as server:
        client = OpenAIEmbeddings("embedder", base_url=server.base_url, api_key="k")
        vectors = client.embed(texts)
        [query] = client.embed(["knee physical therapy"])
    assert len(vectors) == 3
    matrix = np.vstack(vectors).astype(np.float32)
    ranked = [index for index, _score in cosine_top_k(query, matrix, 2)]
    assert sorted(ranked) == [0, 2]
    assert client.model_id == "openai:embedder"


def test_an_unreachable_embedding_server_is_retryable() -> None:
    """A server that is gone raises ModelUnavailable, not a crash."""
    with ScriptedModelServer() as server:
        url = server.base_url
    with pytest.raises(ModelUnavailable):
        OpenAIEmbeddings("embedder", base_url=url, api_key="k", timeout=1).embed(["x"])
