"""Starting interviews: the request, invites and the candidate's page, policy checks, usage caps, ending."""
