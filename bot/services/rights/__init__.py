"""The candidate's rights: their own data, erasure, retention, and the audit records."""
