"""The HTTP API of `trailguard serve` (FastAPI): `create_app` builds it over one store."""
