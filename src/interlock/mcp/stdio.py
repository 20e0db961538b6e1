"""``interlock mcp``: the MCP server over stdio, for a local agent acting as one principal.

The principal is named at start-up (``--as STAFF``, or ``--as service`` for the
configured service principal, as ``interlock run`` takes it) and loaded again on every
tool call, as a bearer token's subject is re-read on every API request: a person
deactivated or reassigned while the agent runs loses access at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from interlock.mcp.gateway import Client, Gateway, ToolProblem
from interlock.mcp.server import build_server, client_info

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context, MCPServer

    from interlock.api.services import Services
    from interlock.policy.principal import Principal

__all__ = ["StdioIdentity", "stdio_server_for"]


class StdioIdentity:
    """One principal, loaded again for every call."""

    def __init__(self, load: Callable[[], Principal | None]) -> None:
        self.load = load

    def principal(self, ctx: Context) -> Principal:
        """The principal as the system of record has them now."""
        del ctx
        found = self.load()
        if found is None or not found.active:
            raise ToolProblem("refused", "the principal this server acts for is unknown or inactive")
        return found

    def client(self, ctx: Context) -> Client:
        """The client's declared name; stdio has no server URL."""
        name, version = client_info(ctx)
        return Client(name=name, version=version, transport="stdio")


def stdio_server_for(services: Services, load: Callable[[], Principal | None]) -> MCPServer:
    """The MCP server acting as the principal ``load`` returns (run it with ``.run("stdio")``)."""
    return build_server(Gateway(services), StdioIdentity(load))
