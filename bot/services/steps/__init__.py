"""Workflow Builder steps: sending an interview and waiting for its result."""
