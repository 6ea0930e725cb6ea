"""inoreport: the tested helpers behind the executable report on inotuzumab ozogamicin
(InO) around CAR-T therapy in B-ALL.

Modules: ``paths`` (where things live), ``results`` (scorecards and results JSON),
``build`` (the loud, cache-safe book build). Statistics modules know nothing about any
one study; study-specific knowledge lives in ``data/published`` and ``synthetic`` specs.
"""

__version__ = "0.1.0"
