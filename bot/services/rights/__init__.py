"""The candidate's rights: their own data, erasure, and the audit records."""
