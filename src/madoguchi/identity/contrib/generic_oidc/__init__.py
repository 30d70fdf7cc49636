"""Any OpenID Connect provider, its claims mapped per provider, as a backend."""
