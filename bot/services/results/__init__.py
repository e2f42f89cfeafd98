"""Results: where they go, the report (message, canvas, transcript), replies, sharing; the runners' base."""
