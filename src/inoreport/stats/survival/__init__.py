"""Survival statistics that agree with R's ``survival`` package.

Everything here is tested against fixtures written by R 4.2 / survival 3.5
(``tests/reference/make_fixtures.R``) and knows nothing about any one study. Times are in
the cohort's own unit (days, months ...); results come back in that unit.

* :func:`kaplan_meier` -> :class:`KaplanMeier` (``table``, ``medians()``, ``quantiles()``,
  ``landmarks()``, ``risk_table()``, ``survival_at()``), with case ``weights`` and a
  Greenwood or infinitesimal-jackknife ``variance``; :func:`median_followup`
* :func:`logrank` -> :class:`LogRank` (plain or stratified, two or more groups)
* :func:`cox` -> :class:`CoxFit`, the one Cox fit of the package: Efron or Breslow ties,
  case ``weights``, ``entry`` times (left truncation, counting-process rows), ``robust``
  and ``cluster`` sandwich variance; :func:`screen_then_fit` -> :class:`Screening`
* :func:`ph_test` / :func:`ph_residuals` (R ``cox.zph``)
* :func:`cumulative_incidence` / :func:`aalen_johansen` (competing risks)

Where we differ from lifelines' defaults, and why:

* Kaplan-Meier intervals default to R's "log" scale (lifelines offers only "log-log", which
  is available here as ``conf_type="log-log"``): readers compare our numbers with R output
  and with papers analysed in R.
* Medians and their CIs follow R's print.survfit rule: the first time the curve (or a CI
  band) is at or below 0.5, and the midpoint of a stretch lying exactly on 0.5 (within
  sqrt(eps)). lifelines compares floating-point values exactly and takes no midpoint (six
  patients dying at months 1..6: lifelines says 4, R and we say 3.5); it reports a median not
  reached as inf, we as NaN (R's NA).
* Times closer than sqrt(machine epsilon) count as tied (R's ``timefix``).
* Cox rows with missing covariates are dropped and counted (lifelines refuses NaN rows).

lifelines and statsmodels are not imported: vectorised numpy is faster at 10^6 rows (and a
chapter that imports this module does not pay lifelines' ~7 s import).
``tests/test_survival_crosscheck.py`` checks this engine against both where their
conventions agree and documents where they do not.
"""

from inoreport.stats.survival._common import SurvivalInputError
from inoreport.stats.survival.cif import aalen_johansen, cumulative_incidence
from inoreport.stats.survival.cox import CoxFit, Screening, cox, screen_then_fit
from inoreport.stats.survival.km import KaplanMeier, kaplan_meier, median_followup
from inoreport.stats.survival.logrank import LogRank, logrank
from inoreport.stats.survival.zph import ph_residuals, ph_test

__all__ = [
    "CoxFit",
    "KaplanMeier",
    "LogRank",
    "Screening",
    "SurvivalInputError",
    "aalen_johansen",
    "cox",
    "cumulative_incidence",
    "kaplan_meier",
    "logrank",
    "median_followup",
    "ph_residuals",
    "ph_test",
    "screen_then_fit",
]
