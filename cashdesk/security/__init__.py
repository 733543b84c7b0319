"""Users, roles, passwords, the audit trail and the database key."""
