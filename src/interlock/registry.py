"""Finds the registered domains: the only core module that names one.

A domain registers a :class:`~interlock.task.Domain` under the ``interlock.domains``
entry-point group of its package's metadata::

    [project.entry-points."interlock.domains"]
    invoices = "acme_interlock.invoices:DOMAIN"

Interlock's own reference domains are registered the same way in ``pyproject.toml``.
When Interlock runs from a source tree that was never installed (no metadata, so no
entry points), the reference domains are imported directly so the tree still works;
that fallback is the one place the core names them.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from interlock.exceptions import ConfigurationError
from interlock.task import Domain, Task

__all__ = ["ENTRY_POINT_GROUP", "domain", "domain_of", "domains", "register", "task"]

ENTRY_POINT_GROUP = "interlock.domains"
#: The reference domains, for a source tree without installed metadata.
_BUILTIN = {
    "claims": "interlock.domains.claims.pack:DOMAIN",
    "invoices": "interlock.domains.invoices.pack:DOMAIN",
}


def _load(target: str) -> Domain:
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute)
    if not isinstance(value, Domain):
        raise ConfigurationError(f"{target} is not an interlock.task.Domain")
    return value


#: Domains registered in code (:func:`register`), ahead of the entry points.
_REGISTERED: dict[str, Domain] = {}


def register(pack: Domain) -> Domain:
    """Register ``pack`` in this process, without package metadata.

    For an application that embeds Interlock with a domain of its own, and for tests of
    a domain that is not installed; a name already registered is replaced, so the last
    registration of a name wins.
    """
    _REGISTERED[pack.name] = pack
    domains.cache_clear()
    return pack


@cache
def domains() -> dict[str, Domain]:
    """Every registered domain by name (in code, then entry points, then the reference fallback)."""
    found: dict[str, Domain] = dict(_REGISTERED)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        pack = _load(point.value)
        found.setdefault(pack.name, pack)
    for name, target in _BUILTIN.items():
        if name not in found:
            found[name] = _load(target)
    return found


def domain(name: str) -> Domain:
    """The domain called ``name``, or a configuration error listing the known ones."""
    try:
        return domains()[name]
    except KeyError:
        known = ", ".join(sorted(domains()))
        raise ConfigurationError(f"unknown domain {name!r}; registered: {known}") from None


def task(name: str) -> Task[Any, Any, Any, Any]:
    """The registered task called ``name`` (``domain.verb``)."""
    return domain_of(name).task(name)


def domain_of(task_name: str) -> Domain:
    """The domain that owns ``task_name``."""
    for pack in domains().values():
        if any(t.name == task_name for t in pack.tasks):
            return pack
    known = ", ".join(sorted(t.name for pack in domains().values() for t in pack.tasks))
    raise ConfigurationError(f"unknown task {task_name!r}; registered: {known}")
