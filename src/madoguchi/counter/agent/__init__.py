"""The local card agent of the counter PC (``madoguchi counter-agent``).

It talks PC/SC to a My Number Card reader and answers the counter's pages on loopback only
(the HTTP contract is in ``server.py`` and docs/counter.md). Nothing in this package imports
Django: the agent runs on a counter PC without settings, database or server.
"""
