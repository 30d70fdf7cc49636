"""REST API (OpenAPI at /api/v1/openapi.json)."""
