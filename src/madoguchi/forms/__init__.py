"""Form schema, versions, validation, conditions and rendering."""
