"""The one SQLAlchemy ``MetaData`` that every table of Interlock's store belongs to."""

from __future__ import annotations

from sqlalchemy import MetaData

store_metadata = MetaData()
