# R's survival on a benchmark registry: KM by group, log-rank, Cox with 8 covariates.
# Usage: Rscript benchmarks/stats_r.R registry.csv   -> prints one JSON line of timings (s).
suppressPackageStartupMessages({library(survival); library(data.table); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- fread(args[[1]])
t_read <- proc.time()[["elapsed"]]
d$ph_status <- relevel(factor(d$ph_status), ref = "ph_neg")
d$sex <- factor(d$sex)
km <- survfit(Surv(time_days, event) ~ group, data = d)
med <- summary(km)$table[, "median"]
t_km <- proc.time()[["elapsed"]]
lr <- survdiff(Surv(time_days, event) ~ group, data = d)
t_lr <- proc.time()[["elapsed"]]
fit <- coxph(Surv(time_days, event) ~ group + age + sex + ph_status + prior_lines + prior_hct +
               emd + cns + blasts_high, data = d, ties = "efron")
t_cox <- proc.time()[["elapsed"]]
cat(toJSON(list(
  engine = "R survival", n = nrow(d),
  read = t_read - t0, km = t_km - t_read, logrank = t_lr - t_km, cox = t_cox - t_lr,
  stats = t_cox - t_read,
  chisq = unname(lr$chisq), coef_group = unname(coef(fit)[["groupnaive"]]),
  median = unname(med)
), auto_unbox = TRUE, digits = NA), "\n")
