"""Study-specific code for the aertgeerts chapter (report functions that return tables and figures)."""
