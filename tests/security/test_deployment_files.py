"""Finding 10: the container build is pinned, and compose ships no database password."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_the_base_image_is_pinned_by_digest_and_uv_by_version() -> None:
    """FROM names a sha256 digest; uv is installed at the version dev.py bootstraps."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (base,) = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", base), base
    dev_uv = re.search(
        r'^UV_VERSION = "([^"]+)"', (ROOT / "dev.py").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert dev_uv is not None
    assert f"ARG UV_VERSION={dev_uv.group(1)}" in dockerfile
    assert '"uv==${UV_VERSION}"' in dockerfile


def test_compose_has_no_default_database_password() -> None:
    """POSTGRES_PASSWORD must be given (``:?``); no URL carries a password written in the file."""
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    (password,) = re.findall(r"^\s+POSTGRES_PASSWORD:\s*(\S+)", text, re.MULTILINE)
    assert password.startswith("${POSTGRES_PASSWORD:?"), password
    urls = re.findall(r"postgresql://([^@\n]*)@", text)
    assert len(urls) == 2
    assert set(urls) == {"interlock:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"}
    assert "POSTGRES_PASSWORD:-" not in text
