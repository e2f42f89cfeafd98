"""Personas and their plans at Tavus (objectives, guardrails, documents), and the test conversation."""
