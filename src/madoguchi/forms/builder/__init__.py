"""The no-code form builder (staff area, /staff/forms/).

``edits`` holds the pure edits of a draft definition (no database), ``fields`` the field
editor's form parsing, ``selectors`` and ``services`` the reads and writes, and ``views``
the server-rendered pages.
"""
