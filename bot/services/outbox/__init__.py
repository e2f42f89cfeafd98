"""The outbox: the worker that drains durable jobs, backoff, Slack pacing, and the jobs' vocabulary."""
