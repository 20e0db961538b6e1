# examples/tickets_refund/serve.py
"""The help desk's tickets served over HTTP by an application that embeds Interlock.

Installed with its entry point, the domain needs none of this: ``interlock serve
--domain tickets`` finds it through the registry. An application that is not installed
as a package (or a test) registers the domain in its own process and builds the same app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from interlock.api.app import create_app
from interlock.api.services import Services
from interlock.api.settings import ApiSettings
from interlock.models.base import ModelClient
from interlock.registry import register
from tickets_refund.pack import DOMAIN

#: The help desk's policy file, beside this module.
POLICY_FILE = Path(__file__).with_name("policy.toml")


def tickets_settings(*, sor_url: str, store_url: str, **options: Any) -> ApiSettings:
    """The API's settings for the help desk: its domain, its database and its policy file."""
    return ApiSettings(
        sor_url=sor_url, store_url=store_url, domain=DOMAIN.name, policy_file=POLICY_FILE, **options
    )


def tickets_app(settings: ApiSettings, *, model: ModelClient | None = None) -> FastAPI:
    """The v1 API and the review desk for ``settings``, with the tickets domain registered here.

    ``model`` answers the task's questions; omitted, the one ``settings.model`` names
    (``none``: every ticket the rules leave open goes to a person).
    """
    register(DOMAIN)
    services = Services(settings, model=model)
    if model is None:
        try:
            services.use_configured_model()
        except BaseException:
            services.close()  # the app owns the services only once it is built
            raise
    return create_app(settings, services=services)
