"""staffplan's HTTP API: stored plans as JSON, what-if jobs, and the dashboard.

``create_app(store, token=...)`` builds the FastAPI application; ``staffplan serve`` runs it
with uvicorn. ``python -m staffplan.api`` prints its OpenAPI document (``schemas/openapi.json``).
"""

from staffplan.api.app import create_app

__all__ = ["create_app"]
