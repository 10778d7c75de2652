# Nothing registered: report requests are managed by their requesters (reports.views)
# and the beat tasks; administrators manage users and master data only.
