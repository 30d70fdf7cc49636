"""The demo: two fictional municipalities (Kaga, Kobe), their staff and forms, for development.

``madoguchi demo [--reset]`` loads them (``make run`` does), ``madoguchi totp USER`` prints
a demo account's current one-time code. The data lives beside the code (``tenants.yaml``,
``forms/*.yaml``); the demo forms double as real examples in docs/forms.md.

Invariant: the demo's staff have fixed, published passwords and TOTP secrets, so the app
is installed only by the development and test settings, refuses to start unless
``MADOGUCHI_ALLOW_DEMO`` is True, and production settings refuse it
(``madoguchi.settings.production``). Production code never imports it.
"""
