"""The outbox, at the bottom: the worker (a table of kinds to runners), backoff, pacing, job kinds."""
