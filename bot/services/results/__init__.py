"""Results: where they go, the report (message, canvas, transcript file), its runners, sharing."""
