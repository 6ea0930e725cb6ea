"""Study-specific code for the jabbour chapter (report functions that return tables and figures)."""
