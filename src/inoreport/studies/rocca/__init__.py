"""Study-specific code for the ROCCA chapter (Aldoss 2024) (report functions that return tables and figures)."""
