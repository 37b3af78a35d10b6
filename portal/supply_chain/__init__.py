"""Supply chains: one Expression of Interest per organisation, moderated publication, the partner database for
lead providers, shortlists, invitations into supply chains, and coverage for administrators."""
