"""Domains are found through the ``interlock.domains`` entry-point group, by name and by task."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from interlock import registry
from interlock.exceptions import ConfigurationError


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    """Forget the domains found so far, before and after the test."""
    registry.domains.cache_clear()
    yield
    registry.domains.cache_clear()


def test_claims_is_registered_as_an_entry_point() -> None:
    """The installed metadata names the claims pack under the group, as an outside package would."""
    points = {p.name: p.value for p in entry_points(group=registry.ENTRY_POINT_GROUP)}
    assert points.get("claims") == "interlock.domains.claims.pack:DOMAIN"


def test_a_task_is_found_by_name_with_its_domain(fresh_registry: None) -> None:
    """``claims.adjudicate`` resolves to the claims domain's task."""
    assert registry.task("claims.adjudicate").name == "claims.adjudicate"
    assert registry.domain_of("claims.adjudicate").name == "claims"


def test_unknown_names_list_what_is_registered(fresh_registry: None) -> None:
    """A typo gets a configuration error naming the registered tasks and domains."""
    with pytest.raises(ConfigurationError, match=r"claims\.adjudicate"):
        registry.task("claims.adjudicat")
    with pytest.raises(ConfigurationError, match="claims"):
        registry.domain("clams")


def test_a_domain_in_another_package_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    """A package that declares the entry point is registered without any change to Interlock."""
    (tmp_path / "acme_tickets.py").write_text(
        textwrap.dedent(
            """
            from interlock.domains.claims.task import ClaimsAdjudicate
            from interlock.task import Domain

            class Refund(ClaimsAdjudicate):
                name = "tickets.refund"
                domain = "tickets"

            DOMAIN = Domain(name="tickets", tasks=(Refund(),), connector=dict)
            """
        )
    )
    dist = tmp_path / "acme_tickets-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tickets\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[interlock.domains]\ntickets = acme_tickets:DOMAIN\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert registry.domain_of("tickets.refund").name == "tickets"
    assert set(registry.domains()) >= {"claims", "tickets"}
    sys.modules.pop("acme_tickets", None)


def test_an_entry_point_that_is_not_a_domain_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    """An entry point naming anything but a Domain fails with one clear configuration error."""
    (tmp_path / "acme_broken.py").write_text("DOMAIN = 42\n")
    dist = tmp_path / "acme_broken-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[interlock.domains]\nbroken = acme_broken:DOMAIN\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigurationError, match="acme_broken:DOMAIN is not"):
        registry.domains()
    sys.modules.pop("acme_broken", None)
