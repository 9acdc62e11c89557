"""Plumbing every Tilmeld service shares; no business rules live here."""
