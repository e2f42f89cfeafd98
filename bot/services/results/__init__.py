"""Results: the report, transcript file, canvas, replies, where results went, retention."""
