"""From reports to decisions: openings, the comparison, nudges and the funnel."""
