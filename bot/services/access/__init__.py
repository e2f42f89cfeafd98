"""Who may do what, and with which credentials: people, workspaces, Tavus keys and reads, channels."""
