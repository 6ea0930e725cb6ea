"""Study-specific code for the alcalde_mellado chapter (report functions that return tables and figures)."""
