# Nothing is registered here on purpose: referrals hold case contents, and
# administrators manage users and master data, not case contents (DESIGN.md). The
# agency directory is edited through referrals:agency_edit.
