"""The HTTP service: a FastAPI app thin over the engine (see :mod:`interlock.api.app`)."""
