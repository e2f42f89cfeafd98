"""Starting interviews: the request, now or by invite, the candidate's page and DM, policy, usage."""
