# R's survival on a batch of generated cohorts (tests/intake_fuzz.py), one call per batch.
#
#   Rscript tests/reference/cli/fuzz_batch.R batch.json batch_r.json
#
# batch.json: {"missing": [cell texts read as missing], "cases": [{csv, group, time, event
# (0-based column positions), levels (group values in the order of our output, reference
# first), covariates [{index, kind: numeric|text, levels (text: reference first)}],
# landmarks}]}. Each CSV is read as text, cells trimmed, missing tokens set to NA, exactly
# as a user's file is read; then Kaplan-Meier (log CI), log-rank and Cox models (Efron): the
# group alone, each covariate alone, and all together. A fit R warns about (no convergence,
# infinite coefficient) is marked so the test does not use it as a reference; a level
# absent from the complete cases (R: NA coefficient) is left out, as our models leave it.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
spec <- fromJSON(args[1], simplifyVector = FALSE)
missing_tokens <- unlist(spec$missing)

read_case <- function(case) {
  d <- read.csv(case$csv, colClasses = "character", check.names = FALSE,
                na.strings = character(0), encoding = "UTF-8", quote = "\"",
                comment.char = "")
  col <- function(i) {
    x <- trimws(d[[i + 1]], whitespace = "[\\h\\v]")
    x[tolower(x) %in% missing_tokens] <- NA
    x
  }
  frame <- data.frame(
    time = as.numeric(col(case$time)),
    event = as.numeric(col(case$event)),
    group = factor(col(case$group), levels = unlist(case$levels))
  )
  names <- character(0)
  for (k in seq_along(case$covariates)) {
    cv <- case$covariates[[k]]
    name <- paste0("v", k)
    x <- col(cv$index)
    frame[[name]] <- if (cv$kind == "numeric") as.numeric(x) else factor(x, levels = unlist(cv$levels))
    names <- c(names, name)
  }
  list(frame = frame, covariates = names)
}

cox_rows <- function(formula, frame, label) {
  warned <- FALSE
  model <- withCallingHandlers(
    coxph(formula, data = frame, ties = "efron"),
    warning = function(w) {
      warned <<- TRUE
      invokeRestart("muffleWarning")
    }
  )
  s <- summary(model)$coefficients
  # a level without patients among the complete cases has an NA coefficient: not a term
  s <- s[!is.na(s[, "coef"]), , drop = FALSE]
  lapply(seq_len(nrow(s)), function(i) list(
    model = label, term = rownames(s)[i], coef = unname(s[i, "coef"]),
    p = unname(s[i, "Pr(>|z|)"]), warning = warned
  ))
}

one_case <- function(case) {
  data <- read_case(case)
  frame <- data$frame
  fit <- survfit(Surv(time, event) ~ group, data = frame, conf.type = "log")
  tab <- summary(fit)$table
  at <- summary(fit, times = unlist(case$landmarks), extend = TRUE)
  km <- lapply(levels(frame$group), function(g) {
    row <- tab[paste0("group=", g), ]
    sel <- at$strata == paste0("group=", g)
    list(
      n = unname(row["records"]), events = unname(row["events"]),
      last = max(frame$time[!is.na(frame$group) & frame$group == g]),
      median = unname(row["median"]),
      median_ci = unname(c(row["0.95LCL"], row["0.95UCL"])),
      landmarks = lapply(which(sel), function(i) list(time = at$time[i], survival = at$surv[i]))
    )
  })
  lr <- survdiff(Surv(time, event) ~ group, data = frame)
  rows <- cox_rows(Surv(time, event) ~ group, frame, "univariable")
  for (name in data$covariates) {
    rows <- c(rows, cox_rows(as.formula(paste("Surv(time, event) ~", name)), frame, "univariable"))
  }
  if (length(data$covariates)) {
    formula <- as.formula(paste("Surv(time, event) ~", paste(c("group", data$covariates), collapse = " + ")))
    rows <- c(rows, cox_rows(formula, frame, "multivariable"))
  }
  list(km = km, logrank = list(chisq = lr$chisq), cox = rows)
}

out <- lapply(spec$cases, function(case) {
  tryCatch(one_case(case), error = function(e) list(error = conditionMessage(e)))
})
write_json(out, args[2], auto_unbox = TRUE, digits = NA, na = "null", null = "null")
