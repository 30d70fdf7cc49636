"""Drafts, submissions, receipt numbers and attachments."""
