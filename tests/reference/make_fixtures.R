# Reference fixtures for inoreport.stats.survival, computed with R's survival package.
#
# Run from the repository root:   Rscript tests/reference/make_fixtures.R
# (or `make fixtures`). Needs only the packages survival, jsonlite and data.table
# (Debian: r-base-core r-cran-survival r-cran-jsonlite r-cran-data.table).
#
# Writes into tests/reference/fixtures/:
#   * the datasets themselves (lung, veteran, pbc and derived/edge-case sets) as CSV, so the
#     Python tests never depend on another package's copy of the data;
#   * one CSV/JSON file per reference result (Kaplan-Meier tables, medians, quantiles,
#     landmarks, risk tables, reverse-KM follow-up, survdiff, coxph, drop1, cox.zph,
#     Aalen-Johansen cumulative incidence);
#   * manifest.json: one entry per case with the R call that produced it and the arguments
#     the Python side must use to reproduce it. The tests are driven by this manifest.
#
# Doubles are written with 17 significant digits so nothing is lost in the round trip.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
  library(data.table)
})

out <- file.path("tests", "reference", "fixtures")
if (!dir.exists(file.path("tests", "reference"))) {
  stop("run this script from the repository root: Rscript tests/reference/make_fixtures.R")
}
dir.create(out, showWarnings = FALSE, recursive = TRUE)
unlink(list.files(out, full.names = TRUE))

manifest <- list()
add_case <- function(entry) {
  manifest[[length(manifest) + 1]] <<- entry
}

write_csv <- function(df, name) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  for (j in seq_along(df)) {
    x <- df[[j]]
    if (is.factor(x)) {
      df[[j]] <- as.character(x)
    } else if (is.double(x)) {
      df[[j]] <- ifelse(is.na(x) & !is.nan(x), NA_character_,
                        ifelse(is.nan(x), "NaN", sprintf("%.17g", x)))
    }
  }
  fwrite(df, file.path(out, name), na = "NA")
  name
}

write_json17 <- function(x, name) {
  write_json(x, file.path(out, name), auto_unbox = TRUE, pretty = TRUE,
             digits = I(17), na = "null")
  name
}

# Group label as the Python side prints it: "sex=1" -> "1"; no strata -> "all".
# a named list that stays a JSON object even when empty
named <- function(x) if (length(x) == 0) structure(list(), names = character(0)) else x

# R's group order for a factor column (the Python side passes it as order=)
factor_order <- function(d, by) {
  if (!is.null(by) && length(by) == 1 && is.factor(d[[by]])) I(levels(d[[by]])) else NULL
}

strata_labels <- function(strata, n) {
  if (is.null(strata)) return(rep("all", n))
  sub("^[^=]*=", "", as.character(strata))
}

# ----------------------------------------------------------------------------------------------
# Datasets
# ----------------------------------------------------------------------------------------------
lung <- survival::lung
lung$event <- as.integer(lung$status == 2)          # R codes 1 = censored, 2 = dead
veteran <- survival::veteran                         # status already 0/1
pbc <- survival::pbc[, c("id", "time", "status", "trt", "age", "sex", "edema", "bili",
                         "albumin", "protime", "stage")]
pbc$death <- as.integer(pbc$status == 2)             # 0 censored, 1 transplant, 2 dead

# Whole months: many ties (Efron, tied KM steps, tied competing events)
lung_months <- lung
lung_months$time <- ceiling(lung$time / 30.4375)
pbc_months <- pbc
pbc_months$time <- ceiling(pbc$time / 30.4375)

# Tiny sets for the median rules
edge_flat <- data.frame(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 1, 1, 1))
edge_end <- data.frame(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0))
edge_notreached <- data.frame(time = 1:10, event = c(1, 0, 0, 1, 0, 0, 0, 1, 0, 0))
# Times that differ only by floating-point noise are one time in R (timefix / aeqSurv)
edge_timefix <- data.frame(time = c(1, 1 + 1e-12, 2, 3, 3 * (1 + 1e-10), 3, 4, 5),
                           event = c(1, 1, 0, 1, 1, 0, 1, 0),
                           arm = c("a", "b", "a", "b", "a", "b", "a", "b"))
edge_zero <- data.frame(time = c(0, 0, 1, 2, 2, 3, 5, 8), event = c(1, 0, 1, 1, 1, 0, 1, 1),
                        arm = c("a", "b", "a", "b", "a", "b", "a", "b"))

datasets <- list(lung = lung, veteran = veteran, pbc = pbc, lung_months = lung_months,
                 pbc_months = pbc_months, edge_flat = edge_flat, edge_end = edge_end,
                 edge_notreached = edge_notreached, edge_zero = edge_zero,
                 edge_timefix = edge_timefix)
for (nm in names(datasets)) write_csv(datasets[[nm]], paste0("data_", nm, ".csv"))

# ----------------------------------------------------------------------------------------------
# Kaplan-Meier: full tables, medians (print.survfit), quantiles, landmarks, risk tables
# ----------------------------------------------------------------------------------------------
km_case <- function(id, dsname, time = "time", event = "event", by = NULL,
                    conf_types = c("log", "log-log", "plain"), landmarks = NULL,
                    risk_times = NULL, probs = c(0.25, 0.5, 0.75)) {
  d <- datasets[[dsname]]
  rhs <- if (is.null(by)) "1" else by
  fml <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs))
  for (ct in conf_types) {
    fit <- survfit(fml, data = d, conf.type = ct)
    s <- summary(fit, censored = TRUE)
    tab <- data.frame(group = strata_labels(s$strata, length(s$time)), time = s$time,
                      n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                      survival = s$surv, std_err = s$std.err, ci_low = s$lower,
                      ci_high = s$upper)
    tag <- paste0(id, "_", gsub("-", "", ct))
    call <- sprintf("survfit(%s, data = %s, conf.type = '%s')", deparse1(fml), dsname, ct)
    add_case(list(kind = "km", id = tag, dataset = dsname, time = time, event = event,
                  by = by, order = factor_order(d, by), conf_type = ct, r_call = paste0("summary(", call, ", censored = TRUE)"),
                  file = write_csv(tab, paste0("km_", tag, ".csv"))))

    # Median and its CI as print.survfit / summary(fit)$table shows them
    tb <- summary(fit)$table
    if (is.null(dim(tb))) tb <- t(as.matrix(tb))
    med <- data.frame(group = if (is.null(fit$strata)) "all" else strata_labels(rownames(tb), nrow(tb)),
                      n = tb[, "records"], events = tb[, "events"], median = tb[, "median"],
                      ci_low = tb[, "0.95LCL"], ci_high = tb[, "0.95UCL"])
    add_case(list(kind = "median", id = tag, dataset = dsname, time = time, event = event,
                  by = by, order = factor_order(d, by), conf_type = ct, r_call = paste0("summary(", call, ")$table"),
                  file = write_csv(med, paste0("median_", tag, ".csv"))))

    # quantile.survfit (differs from print.survfit when the curve ends on a flat 0.5)
    q <- quantile(fit, probs = probs)
    qm <- function(m) { if (is.null(dim(m))) t(as.matrix(m)) else m }
    qq <- qm(q$quantile); ql <- qm(q$lower); qu <- qm(q$upper)
    groups <- if (is.null(fit$strata)) "all" else strata_labels(names(fit$strata), length(fit$strata))
    qtab <- do.call(rbind, lapply(seq_along(groups), function(i)
      data.frame(group = groups[i], prob = probs, quantile = as.numeric(qq[i, ]),
                 ci_low = as.numeric(ql[i, ]), ci_high = as.numeric(qu[i, ]))))
    add_case(list(kind = "quantile", id = tag, dataset = dsname, time = time, event = event,
                  by = by, order = factor_order(d, by), conf_type = ct, probs = I(probs),
                  r_call = sprintf("quantile(%s, probs = c(%s))", call, paste(probs, collapse = ", ")),
                  file = write_csv(qtab, paste0("quantile_", tag, ".csv"))))

    if (!is.null(landmarks)) {
      s2 <- summary(fit, times = landmarks)
      lm <- data.frame(group = strata_labels(s2$strata, length(s2$time)), time = s2$time,
                       survival = s2$surv, ci_low = s2$lower, ci_high = s2$upper,
                       n_risk = s2$n.risk, std_err = s2$std.err)
      add_case(list(kind = "landmark", id = tag, dataset = dsname, time = time, event = event,
                    by = by, order = factor_order(d, by), conf_type = ct, times = I(landmarks),
                    r_call = sprintf("summary(%s, times = c(%s))", call, paste(landmarks, collapse = ", ")),
                    file = write_csv(lm, paste0("landmark_", tag, ".csv"))))
    }
  }
  if (!is.null(risk_times)) {
    fit <- survfit(fml, data = d)
    s3 <- summary(fit, times = risk_times, extend = TRUE)
    rt <- data.frame(group = strata_labels(s3$strata, length(s3$time)), time = s3$time,
                     n_risk = s3$n.risk)
    add_case(list(kind = "risk", id = id, dataset = dsname, time = time, event = event, by = by,
                  order = factor_order(d, by),
                  times = I(risk_times),
                  r_call = sprintf("summary(survfit(%s, data = %s), times = c(%s), extend = TRUE)$n.risk",
                                   deparse1(fml), dsname, paste(risk_times, collapse = ", ")),
                  file = write_csv(rt, paste0("risk_", id, ".csv"))))
  }
}

km_case("lung_sex", "lung", by = "sex", landmarks = c(0, 90, 182.5, 365, 730, 1000, 1100),
        risk_times = c(0, 200, 400, 600, 800, 1000, 1200))
km_case("lung_all", "lung", landmarks = c(30, 365.25, 1022), risk_times = c(0, 500, 1022, 1023))
km_case("lung_ecog", "lung", by = "ph.ecog", conf_types = c("log", "log-log"),
        landmarks = c(100, 365), risk_times = c(0, 100, 365))
km_case("veteran_cell", "veteran", event = "status", by = "celltype", landmarks = c(30, 90, 180, 365),
        risk_times = c(0, 100, 200, 300))
km_case("lung_months_sex", "lung_months", by = "sex", landmarks = c(3, 6, 12, 24),
        risk_times = c(0, 6, 12, 24, 36))
km_case("pbc_edema", "pbc", event = "death", by = "edema", landmarks = c(365, 1826, 3652))
km_case("edge_flat", "edge_flat", landmarks = c(0.5, 3, 3.5, 6, 7))
km_case("edge_end", "edge_end", landmarks = c(2, 4))
km_case("edge_notreached", "edge_notreached")
km_case("edge_zero", "edge_zero", by = "arm", landmarks = c(0, 1, 4), risk_times = c(0, 1, 4, 9))
km_case("edge_timefix", "edge_timefix", landmarks = c(1, 3), risk_times = c(1, 3))

# ----------------------------------------------------------------------------------------------
# Median follow-up by reverse Kaplan-Meier (censoring is the "event")
# ----------------------------------------------------------------------------------------------
fu_case <- function(id, dsname, time = "time", event = "event", by = NULL) {
  d <- datasets[[dsname]]
  d$.followup <- 1L - d[[event]]
  rhs <- if (is.null(by)) "1" else by
  fml <- as.formula(sprintf("Surv(%s, .followup) ~ %s", time, rhs))
  fit <- survfit(fml, data = d)
  tb <- summary(fit)$table
  if (is.null(dim(tb))) tb <- t(as.matrix(tb))
  fu <- data.frame(group = if (is.null(fit$strata)) "all" else strata_labels(rownames(tb), nrow(tb)),
                   median = tb[, "median"], ci_low = tb[, "0.95LCL"], ci_high = tb[, "0.95UCL"])
  add_case(list(kind = "followup", id = id, dataset = dsname, time = time, event = event, by = by,
                order = factor_order(d, by),
                r_call = sprintf("summary(survfit(Surv(%s, 1 - %s) ~ %s, data = %s))$table",
                                 time, event, rhs, dsname),
                file = write_csv(fu, paste0("followup_", id, ".csv"))))
}
fu_case("lung_sex", "lung", by = "sex")
fu_case("lung_all", "lung")
fu_case("veteran_trt", "veteran", event = "status", by = "trt")
fu_case("pbc_all", "pbc", event = "death")

# ----------------------------------------------------------------------------------------------
# Log-rank (survdiff, rho = 0), plain and stratified
# ----------------------------------------------------------------------------------------------
lr_case <- function(id, dsname, group, strata = NULL, time = "time", event = "event") {
  d <- datasets[[dsname]]
  rhs <- group
  if (!is.null(strata)) rhs <- sprintf("%s + strata(%s)", group, paste(strata, collapse = ", "))
  fml <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs))
  sd <- survdiff(fml, data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  expd <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  df <- sum(expd > 0) - 1
  res <- list(chisq = sd$chisq, df = df, p = pchisq(sd$chisq, df, lower.tail = FALSE),
              groups = strata_labels(names(sd$n), length(sd$n)), n = as.numeric(sd$n),
              observed = as.numeric(obs), expected = as.numeric(expd),
              n_dropped = length(sd$na.action))
  add_case(list(kind = "logrank", id = id, dataset = dsname, time = time, event = event,
                group = group, order = factor_order(d, group), strata = if (is.null(strata)) NULL else I(strata),
                r_call = sprintf("survdiff(%s, data = %s)", deparse1(fml), dsname),
                file = write_json17(res, paste0("logrank_", id, ".json"))))
}
lr_case("lung_sex", "lung", "sex")
lr_case("lung_ecog", "lung", "ph.ecog")
lr_case("lung_sex_strat_ecog", "lung", "sex", strata = "ph.ecog")
lr_case("veteran_cell", "veteran", "celltype", event = "status")
lr_case("veteran_trt_strat_cell", "veteran", "trt", strata = "celltype", event = "status")
lr_case("veteran_trt_strat_cell_prior", "veteran", "trt", strata = c("celltype", "prior"),
        event = "status")
lr_case("pbc_edema", "pbc", "edema", event = "death")
lr_case("lung_months_sex", "lung_months", "sex")
lr_case("lung_months_ecog", "lung_months", "ph.ecog")
lr_case("edge_timefix", "edge_timefix", "arm")

# ----------------------------------------------------------------------------------------------
# Cox models (Efron ties), drop1 likelihood-ratio tests, cox.zph
# ----------------------------------------------------------------------------------------------
term_map <- function(fit, d) {
  asg <- fit$assign
  out <- data.frame(term = names(coef(fit)), variable = NA_character_, level = "",
                    stringsAsFactors = FALSE)
  for (v in names(asg)) {
    idx <- asg[[v]]
    out$variable[idx] <- v
    if (!is.null(fit$xlevels[[v]])) {
      out$level[idx] <- substring(out$term[idx], nchar(v) + 1)
    }
  }
  out
}

cox_case <- function(id, dsname, covariates, factors = character(0), reference = list(),
                     time = "time", event = "event", zph_transforms = c("km"),
                     ties = "efron") {
  d <- datasets[[dsname]]
  for (v in factors) {
    lev <- sort(unique(d[[v]][!is.na(d[[v]])]))
    if (!is.null(reference[[v]])) lev <- c(reference[[v]], setdiff(as.character(lev), reference[[v]]))
    d[[v]] <- factor(d[[v]], levels = as.character(lev))
  }
  fml <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, paste(covariates, collapse = " + ")))
  fit <- coxph(fml, data = d, ties = ties)
  sm <- summary(fit)
  tm <- term_map(fit, d)
  tab <- data.frame(tm, coef = sm$coefficients[, "coef"], se = sm$coefficients[, "se(coef)"],
                    z = sm$coefficients[, "z"], hr = sm$conf.int[, "exp(coef)"],
                    ci_low = sm$conf.int[, "lower .95"], ci_high = sm$conf.int[, "upper .95"],
                    p = sm$coefficients[, "Pr(>|z|)"])
  meta <- list(n = fit$n, events = fit$nevent, n_dropped = length(fit$na.action),
               loglik_null = fit$loglik[1], loglik = fit$loglik[2],
               lr_chisq = unname(sm$logtest["test"]), lr_df = unname(sm$logtest["df"]),
               lr_p = unname(sm$logtest["pvalue"]), iter = fit$iter,
               reference = lapply(fit$xlevels, function(l) l[1]))
  # drop1 refuses a model whose reduced fits would use other rows: fit on complete cases
  cc <- d[complete.cases(d[, c(time, event, covariates)]), ]
  fit_cc <- coxph(fml, data = cc, ties = ties)
  dr <- drop1(fit_cc, test = "Chisq")
  drt <- data.frame(variable = rownames(dr)[-1], df = dr$Df[-1], lr_chisq = dr$LRT[-1],
                    p = dr[["Pr(>Chi)"]][-1])
  base <- list(dataset = dsname, time = time, event = event, covariates = I(covariates),
               categorical = I(factors), reference = named(reference), ties = ties)
  add_case(c(list(kind = "cox", id = id,
                  r_call = sprintf("summary(coxph(%s, data = %s, ties = '%s'))", deparse1(fml),
                                   dsname, ties),
                  file = write_csv(tab, paste0("cox_", id, ".csv")),
                  meta = write_json17(meta, paste0("cox_", id, ".json"))), base))
  add_case(c(list(kind = "drop1", id = id,
                  r_call = sprintf("drop1(coxph(%s, data = na.omit(...)), test = 'Chisq')", deparse1(fml)),
                  file = write_csv(drt, paste0("drop1_", id, ".csv"))), base))
  # cox.zph evaluates its score test at the fitted coefficients; with coxph's default
  # convergence (relative log-likelihood change < 1e-9) a sparse level's coefficient can be off
  # by ~1e-7, which moves the test by ~1e-6. Refit to full convergence for these fixtures.
  fit_tight <- coxph(fml, data = d, ties = ties,
                     control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100))
  for (tr in zph_transforms) {
    for (terms in c(TRUE, FALSE)) {
      z <- cox.zph(fit_tight, transform = tr, terms = terms)
      zt <- data.frame(term = rownames(z$table), chisq = z$table[, "chisq"],
                       df = z$table[, "df"], p = z$table[, "p"])
      tag <- sprintf("%s_%s_%s", id, tr, if (terms) "terms" else "coefs")
      res <- data.frame(time = z$time, x = z$x, z$y, check.names = FALSE)
      add_case(c(list(kind = "zph", id = tag, transform = tr, terms = terms,
                      r_call = sprintf("cox.zph(coxph(%s, data = %s, control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)), transform = '%s', terms = %s)",
                                       deparse1(fml), dsname, tr, terms),
                      file = write_csv(zt, paste0("zph_", tag, ".csv")),
                      residuals = write_csv(res, paste0("zphresid_", tag, ".csv"))), base))
    }
  }
}

cox_case("lung", "lung", c("age", "sex", "ph.ecog", "ph.karno", "wt.loss"), factors = "ph.ecog",
         zph_transforms = c("km", "identity", "rank", "log"))
cox_case("lung_numeric", "lung", c("age", "sex", "ph.karno"))
cox_case("veteran", "veteran", c("trt", "celltype", "karno", "diagtime", "age", "prior"),
         factors = "celltype", reference = list(celltype = "squamous"), event = "status")
cox_case("pbc", "pbc", c("age", "edema", "bili", "albumin", "stage", "sex"),
         factors = c("edema", "stage", "sex"), reference = list(sex = "m"), event = "death")
cox_case("lung_months", "lung_months", c("age", "sex", "ph.ecog"), factors = "ph.ecog",
         zph_transforms = c("km", "rank"))
cox_case("lung_single", "lung", c("sex"))
cox_case("lung_months_breslow", "lung_months", c("age", "sex", "ph.ecog"), factors = "ph.ecog",
         ties = "breslow")

# ----------------------------------------------------------------------------------------------
# Univariable screening then multivariable model (rule applied here in R, independently)
# ----------------------------------------------------------------------------------------------
screen_case <- function(id, dsname, candidates, factors, threshold, forced, time = "time",
                        event = "event", reference = list()) {
  d <- datasets[[dsname]]
  for (v in factors) d[[v]] <- factor(d[[v]])
  uni <- do.call(rbind, lapply(candidates, function(v) {
    f <- coxph(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, v)), data = d)
    data.frame(variable = v, lr_p = unname(summary(f)$logtest["pvalue"]), n = f$n,
               events = f$nevent)
  }))
  uni$selected <- uni$lr_p < threshold | uni$variable %in% forced
  chosen <- candidates[uni$selected]
  fml <- as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, paste(chosen, collapse = " + ")))
  fit <- coxph(fml, data = d)
  sm <- summary(fit)
  tab <- data.frame(term_map(fit, d), coef = sm$coefficients[, "coef"],
                    se = sm$coefficients[, "se(coef)"], p = sm$coefficients[, "Pr(>|z|)"])
  add_case(list(kind = "screen", id = id, dataset = dsname, time = time, event = event,
                candidates = I(candidates), categorical = I(factors), threshold = threshold,
                forced = I(forced), reference = named(reference),
                r_call = "for each candidate coxph(Surv ~ v)$logtest; then coxph(Surv ~ selected)",
                file = write_csv(uni, paste0("screen_uni_", id, ".csv")),
                multivariable = write_csv(tab, paste0("screen_multi_", id, ".csv")),
                meta = write_json17(list(n = fit$n, events = fit$nevent,
                                         n_dropped = length(fit$na.action), selected = chosen),
                                    paste0("screen_", id, ".json"))))
}
screen_case("lung", "lung", c("age", "sex", "ph.ecog", "ph.karno", "pat.karno", "meal.cal", "wt.loss"),
            factors = "ph.ecog", threshold = 0.1, forced = c("wt.loss"))
screen_case("pbc", "pbc", c("age", "sex", "edema", "albumin", "protime", "stage", "trt"),
            factors = c("edema", "stage"), threshold = 0.05, forced = character(0), event = "death",
            reference = list(sex = "m"))  # R's pbc$sex is a factor with levels m, f

# ----------------------------------------------------------------------------------------------
# Cumulative incidence with competing risks (Aalen-Johansen, survfit multi-state)
# ----------------------------------------------------------------------------------------------
cif_case <- function(id, dsname, by = NULL, time = "time", status = "status",
                     conf_type = "log") {
  d <- datasets[[dsname]]
  rhs <- if (is.null(by)) "1" else by
  fml <- as.formula(sprintf("Surv(%s, factor(%s)) ~ %s", time, status, rhs))
  fit <- survfit(fml, data = d, conf.type = conf_type)
  states <- fit$states
  groups <- strata_labels(if (is.null(fit$strata)) NULL else rep(names(fit$strata), fit$strata),
                          length(fit$time))
  rows <- list()
  for (k in seq_along(states)) {
    rows[[k]] <- data.frame(group = groups, time = fit$time, state = states[k],
                            n_risk = fit$n.risk[, 1], n_event = fit$n.event[, k],
                            cif = fit$pstate[, k], std_err = fit$std.err[, k],
                            ci_low = fit$lower[, k], ci_high = fit$upper[, k])
  }
  tab <- do.call(rbind, rows)
  add_case(list(kind = "cif", id = id, dataset = dsname, time = time, status = status, by = by,
                order = factor_order(d, by),
                conf_type = conf_type, states = I(states),
                r_call = sprintf("survfit(%s, data = %s, conf.type = '%s')", deparse1(fml), dsname,
                                 conf_type),
                file = write_csv(tab, paste0("cif_", id, ".csv"))))
}
cif_case("pbc_all", "pbc")
cif_case("pbc_trt", "pbc", by = "trt")
cif_case("pbc_months_sex", "pbc_months", by = "sex")
cif_case("pbc_months_sex_loglog", "pbc_months", by = "sex", conf_type = "log-log")
cif_case("pbc_edema_plain", "pbc", by = "edema", conf_type = "plain")

# ----------------------------------------------------------------------------------------------
# Weighted Kaplan-Meier and Cox with case weights, entry times, robust and cluster variance
# ----------------------------------------------------------------------------------------------
# lung with ph.ecog recorded; w = inverse probability of being female given age and ECOG
# (non-integer, as IPT weights), wi = integer case weights 1-3 (R then keeps Greenwood).
lw <- lung[!is.na(lung$ph.ecog), c("time", "event", "sex", "age", "ph.ecog", "wt.loss")]
lw$female <- as.integer(lw$sex == 2)
lw$id <- seq_len(nrow(lw))
ps <- fitted(glm(female ~ age + ph.ecog, data = lw, family = binomial))
lw$w <- ifelse(lw$female == 1, 1 / ps, 1 / (1 - ps))
lw$wi <- 1 + (lw$id %% 3)
# Whole months: tied events with different weights (Efron with weights)
lw_months <- lw
lw_months$time <- ceiling(lw$time / 30.4375)
# Delayed entry (left truncation): each patient is seen from a fraction of the follow-up
lw$entry <- floor(lw$time * ((lw$id %% 5) / 10))
lw_months$entry <- floor(lw_months$time * ((lw_months$id %% 5) / 10))
# Counting-process rows (start, stop]: exposure switches on at 10 x weight loss (days)
lw$s <- ifelse(!is.na(lw$wt.loss) & lw$wt.loss > 5, lw$wt.loss * 10, NA)
cp <- tmerge(lw[, c("id", "female", "age", "w")], lw, id = id, ev = event(time, event))
cp <- tmerge(cp, lw[!is.na(lw$s), ], id = id, exposed = tdc(s))
cp$exposed[is.na(cp$exposed)] <- 0
cp <- as.data.frame(cp)[, c("id", "tstart", "tstop", "ev", "female", "age", "w", "exposed")]
cp_months <- cp
cp_months$tstart <- floor(cp$tstart / 30.4375)
cp_months$tstop <- ceiling(cp$tstop / 30.4375)
cp_months <- cp_months[cp_months$tstart < cp_months$tstop, ]
wdata <- list(lung_w = lw, lung_w_months = lw_months, lung_cp = cp, lung_cp_months = cp_months)
for (nm in names(wdata)) write_csv(wdata[[nm]], paste0("data_", nm, ".csv"))

kmw_case <- function(id, dsname, weights, by, robust = NULL, conf_type = "log") {
  d <- wdata[[dsname]]
  fml <- as.formula(sprintf("Surv(time, event) ~ %s", by))
  args <- list(formula = fml, data = d, weights = d[[weights]], conf.type = conf_type)
  if (!is.null(robust)) args$robust <- robust
  fit <- do.call(survfit, args)
  s <- summary(fit, censored = TRUE)
  tab <- data.frame(group = strata_labels(s$strata, length(s$time)), time = s$time,
                    n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                    survival = s$surv, std_err = s$std.err, ci_low = s$lower, ci_high = s$upper)
  tb <- summary(fit)$table
  med <- data.frame(group = strata_labels(rownames(tb), nrow(tb)), median = tb[, "median"],
                    ci_low = tb[, "0.95LCL"], ci_high = tb[, "0.95UCL"])
  add_case(list(kind = "kmw", id = id, dataset = dsname, time = "time", event = "event",
                by = by, weights = weights, robust = robust, conf_type = conf_type,
                r_call = sprintf("summary(survfit(%s, data = %s, weights = %s%s, conf.type = '%s'), censored = TRUE)",
                                 deparse1(fml), dsname, weights,
                                 if (is.null(robust)) "" else sprintf(", robust = %s", robust),
                                 conf_type),
                file = write_csv(tab, paste0("kmw_", id, ".csv")),
                medians = write_csv(med, paste0("kmw_median_", id, ".csv"))))
}
kmw_case("lung_w_female", "lung_w", "w", "female")                 # robust (IJ) by default
kmw_case("lung_w_female_greenwood", "lung_w", "w", "female", robust = FALSE)
kmw_case("lung_w_female_loglog", "lung_w", "w", "female", conf_type = "log-log")
kmw_case("lung_wi_sex", "lung_w", "wi", "sex")                     # integer: Greenwood default
kmw_case("lung_wi_sex_robust", "lung_w", "wi", "sex", robust = TRUE)
kmw_case("lung_w_months_female", "lung_w_months", "w", "female")   # tied times

coxw_case <- function(id, dsname, covariates, time = "time", event = "event", entry = NULL,
                      weights = NULL, robust = FALSE, cluster = NULL, ties = "efron",
                      factors = character(0)) {
  d <- wdata[[dsname]]
  for (v in factors) d[[v]] <- factor(d[[v]], levels = sort(unique(d[[v]])))
  lhs <- if (is.null(entry)) sprintf("Surv(%s, %s)", time, event) else
    sprintf("Surv(%s, %s, %s)", entry, time, event)
  fml <- as.formula(sprintf("%s ~ %s", lhs, paste(covariates, collapse = " + ")))
  # converge fully (R's default stops at a relative log-likelihood change of 1e-9)
  if (!is.null(cluster)) robust <- TRUE  # R: a cluster implies the robust variance
  args <- list(formula = fml, data = d, ties = ties, robust = robust,
               control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100))
  if (!is.null(weights)) args$weights <- d[[weights]]
  if (!is.null(cluster)) args$cluster <- d[[cluster]]
  fit <- do.call(coxph, args)
  sm <- summary(fit)
  cf <- sm$coefficients
  tab <- data.frame(term_map(fit, d), coef = cf[, "coef"], se = sqrt(diag(fit$naive.var %||% fit$var)),
                    robust_se = if ("robust se" %in% colnames(cf)) cf[, "robust se"] else NA_real_,
                    hr = sm$conf.int[, "exp(coef)"], ci_low = sm$conf.int[, "lower .95"],
                    ci_high = sm$conf.int[, "upper .95"], p = cf[, "Pr(>|z|)"])
  meta <- list(n = fit$n, events = fit$nevent, loglik_null = fit$loglik[1],
               loglik = fit$loglik[2], iter = fit$iter)
  call <- sprintf("summary(coxph(%s, data = %s, ties = '%s'%s%s%s, control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)))",
                  deparse1(fml), dsname, ties,
                  if (is.null(weights)) "" else sprintf(", weights = %s", weights),
                  if (robust) ", robust = TRUE" else "",
                  if (is.null(cluster)) "" else sprintf(", cluster = %s", cluster))
  add_case(list(kind = "coxw", id = id, dataset = dsname, time = time, event = event,
                entry = entry, weights = weights, robust = robust, cluster = cluster, ties = ties,
                covariates = I(covariates), categorical = I(factors), r_call = call,
                file = write_csv(tab, paste0("coxw_", id, ".csv")),
                meta = write_json17(meta, paste0("coxw_", id, ".json"))))
}
`%||%` <- function(a, b) if (is.null(a)) b else a
coxw_case("lung_w", "lung_w", c("female", "age"), weights = "w")
coxw_case("lung_w_robust", "lung_w", c("female", "age"), weights = "w", robust = TRUE)
coxw_case("lung_wi_breslow", "lung_w", c("female", "age", "ph.ecog"), weights = "wi",
          ties = "breslow")
coxw_case("lung_robust", "lung_w", c("female", "ph.ecog"), robust = TRUE)
coxw_case("lung_w_months_robust", "lung_w_months", c("female", "age", "ph.ecog"),
          weights = "w", robust = TRUE, factors = "ph.ecog")
coxw_case("lung_entry", "lung_w", c("female", "age"), entry = "entry")
# with entry times R asks for the independent unit: one row per patient here
coxw_case("lung_months_entry_w_cluster", "lung_w_months", c("female", "age"), entry = "entry",
          weights = "w", cluster = "id")
coxw_case("lung_cp", "lung_cp", c("exposed", "female"), time = "tstop", event = "ev",
          entry = "tstart")
coxw_case("lung_cp_cluster", "lung_cp", c("exposed", "female"), time = "tstop", event = "ev",
          entry = "tstart", cluster = "id")
coxw_case("lung_cp_months_w_cluster", "lung_cp_months", c("exposed", "female", "age"),
          time = "tstop", event = "ev", entry = "tstart", weights = "w", cluster = "id")
coxw_case("lung_cp_months_breslow_cluster", "lung_cp_months", c("exposed", "female"),
          time = "tstop", event = "ev", entry = "tstart", cluster = "id", ties = "breslow")

info <- list(
  generated_by = "tests/reference/make_fixtures.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  data.table_version = as.character(packageVersion("data.table")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  cases = manifest
)
write_json(info, file.path(out, "manifest.json"), auto_unbox = TRUE, pretty = TRUE,
           digits = I(17), null = "null", na = "null")
cat(sprintf("wrote %d cases, %d files to %s\n", length(manifest),
            length(list.files(out)), out))
