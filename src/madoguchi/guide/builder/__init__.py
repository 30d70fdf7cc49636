"""The no-code guide builder (staff area, /staff/guides/<slug>/build/).

``edits`` holds the pure edits of a guide definition and the parsing of what the builder's
forms post (no database), ``problems`` turns the schema validator's errors into messages
beside the builder's inputs, ``services`` the writes, ``views`` the server-rendered pages.
The schema (``guide/schema.py``) stays the one validator: every save builds a candidate
definition and stores it only when ``GuideDefinition`` accepts it.
"""
