"""Drafting a rule from the text of a call for applications: pure functions, text in, draft out.

The file is read elsewhere (the cli reads .pdf/.docx/.odt with triage's extraction); here only text.
"""
