"""Administration: moderation queues and reference data. Every route is for administrators only."""
