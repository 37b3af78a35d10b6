"""The service directory: listings, moderation, search, the Open Referral UK feed, import and export."""
