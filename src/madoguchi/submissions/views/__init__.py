"""The resident's pages of the application flow, one module per stage.

``start`` (municipalities, procedures, a form's start page), ``access`` (a draft behind
its resume link, the card login again), ``steps`` (one page of the form at a time) and
``review`` (check, send, confirmation). Saving for later is ``draft_views``; a
correction's pages are ``correction_views``.
"""
