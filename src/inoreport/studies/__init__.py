"""Everything that names one study: its chapter's report functions, its synthetic-cohort
specification and its audit checks live in ``studies/<study>/``.

Generic code (statistics, figures, the synthetic-cohort engine, book machinery) never
imports from here; code here imports from them.
"""
