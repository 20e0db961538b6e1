"""An MCP server: agents reach the system of record only through Interlock's scope, gate and audit.

* :mod:`interlock.mcp.gateway`: what the tools do, over the API's services, for one
  principal at a time, with a ``tool.called`` audit event per call;
* :mod:`interlock.mcp.server`: the tools and the record resource on the official SDK;
* :mod:`interlock.mcp.stdio`: ``interlock mcp``, one person over stdio;
* :mod:`interlock.mcp.http`: streamable HTTP at ``/mcp`` in ``interlock serve``, an
  OAuth 2.1 resource server.

Nothing here imports the SDK at package import, so the CLI's start stays fast.
"""
