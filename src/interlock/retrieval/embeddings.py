"""Dense vectors for hybrid search: an ``EmbeddingClient`` seam and an OpenAI-compatible adapter.

Dense retrieval is optional: BM25 works with nothing beyond the standard library's
SQLite. When an embedding client is configured, vectors are stored beside each
document and scored by exact cosine similarity over the *permitted* set only (the
filter selects the rows before any score is computed), which keeps recall exact under
selective entitlements where a filtered approximate index loses results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from interlock.exceptions import ConfigurationError, ModelUnavailable

Vector = npt.NDArray[np.float32]


@runtime_checkable
class EmbeddingClient(Protocol):
    """Anything that turns texts into vectors of one fixed dimension."""

    @property
    def model_id(self) -> str:
        """A stable identifier stored with every vector (vectors of two models never mix)."""
        ...

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        """One vector per text, in order."""
        ...


class OpenAIEmbeddings:
    """Embeddings from any server speaking the OpenAI ``/v1/embeddings`` API."""

    def __init__(
        self, model: str, *, base_url: str | None = None, api_key: str | None = None, timeout: float = 30.0
    ) -> None:
        if not model:
            raise ConfigurationError("the embedding model name must be non-empty")
        self._model = model
        # Imported here: the SDK takes most of a second to load, and most processes
        # (an API server without an embedding model) never build this client.
        import openai  # noqa: PLC0415

        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0
        )

    @property
    def model_id(self) -> str:
        """``openai:<model>``."""
        return f"openai:{self._model}"

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        """Embed ``texts`` in one request; provider failures become :class:`ModelUnavailable`."""
        if not texts:
            return []
        import openai  # noqa: PLC0415 - loaded once the client exists

        try:
            response = self._client.embeddings.create(model=self._model, input=list(texts))
        except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError) as exc:
            raise ModelUnavailable(f"embedding server unavailable: {type(exc).__name__}") from None
        except openai.APIStatusError as exc:
            if exc.status_code >= 500 or exc.status_code in (408, 409):
                raise ModelUnavailable(f"embedding server answered HTTP {exc.status_code}") from None
            raise ConfigurationError(f"embedding request rejected (HTTP {exc.status_code})") from None
        except openai.OpenAIError as exc:
            raise ConfigurationError(f"embedding request rejected: {type(exc).__name__}") from None
        ordered = sorted(response.data, key=lambda d: d.index)
        return [np.asarray(d.embedding, dtype=np.float32) for d in ordered]


def cosine_top_k(query: Vector, matrix: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
    """Exact cosine similarity of ``query`` against every row; the best ``k`` (row, score)."""
    if matrix.shape[0] == 0 or k <= 0:
        return []
    norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(query)) or 1.0)
    scores = (matrix @ query) / np.where(norms == 0, 1.0, norms)
    k = min(k, scores.shape[0])
    top = np.argpartition(-scores, k - 1)[:k]
    order = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in order]
