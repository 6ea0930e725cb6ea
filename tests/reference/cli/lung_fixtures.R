# Reference values for `inoreport run survival_comparison` on data/examples/lung.csv,
# computed with R's survival package (independent of our Python code).
#
#   Rscript tests/reference/cli/lung_fixtures.R      (run from the repository root)
#
# Writes tests/reference/cli/lung_r.json. The CSV is R's survival::lung with status
# recoded 1/2 -> 0/1 and a patient_id column added; the script checks that first.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

cohort <- read.csv("data/examples/lung.csv", stringsAsFactors = FALSE)

# 1. the CSV is survival::lung (so "the same public dataset" is literally true)
r_lung <- survival::lung
stopifnot(nrow(cohort) == nrow(r_lung))
for (column in names(r_lung)) {
  ours <- cohort[[make.names(column)]]
  theirs <- r_lung[[column]]
  if (column == "status") theirs <- theirs - 1
  stopifnot(isTRUE(all.equal(as.numeric(ours), as.numeric(theirs))))
}

# 2. the chapter's defaults: group = sex (1 Male, 2 Female; Male is the reference)
cohort$group <- factor(ifelse(cohort$sex == 1, "Male", "Female"), levels = c("Male", "Female"))
cohort$event <- cohort$status
landmarks <- c(180, 365)

fit <- survfit(Surv(time, event) ~ group, data = cohort, conf.type = "log")
tab <- summary(fit)$table
at <- summary(fit, times = landmarks, extend = TRUE)
km <- lapply(levels(cohort$group), function(g) {
  row <- tab[paste0("group=", g), ]
  sel <- at$strata == paste0("group=", g)
  list(
    group = g,
    n = unname(row["records"]),
    events = unname(row["events"]),
    median = unname(row["median"]),
    median_ci = unname(c(row["0.95LCL"], row["0.95UCL"])),
    landmarks = lapply(which(sel), function(i) list(
      time = at$time[i], survival = at$surv[i], ci = c(at$lower[i], at$upper[i]),
      n_risk = at$n.risk[i]
    ))
  )
})

lr <- survdiff(Surv(time, event) ~ group, data = cohort)
df <- length(lr$n) - 1
logrank <- list(chisq = lr$chisq, df = df, p = pchisq(lr$chisq, df, lower.tail = FALSE))

cox_rows <- function(model, label) {
  s <- summary(model)
  lapply(seq_len(nrow(s$coefficients)), function(i) list(
    model = label,
    term = rownames(s$coefficients)[i],
    coef = unname(s$coefficients[i, "coef"]),
    se = unname(s$coefficients[i, "se(coef)"]),
    hr = unname(s$coefficients[i, "exp(coef)"]),
    ci = unname(c(s$conf.int[i, "lower .95"], s$conf.int[i, "upper .95"])),
    p = unname(s$coefficients[i, "Pr(>|z|)"]),
    n = model$n, events = model$nevent
  ))
}
uni <- list(
  coxph(Surv(time, event) ~ group, data = cohort, ties = "efron"),
  coxph(Surv(time, event) ~ age, data = cohort, ties = "efron"),
  coxph(Surv(time, event) ~ ph.ecog, data = cohort, ties = "efron")
)
multi <- coxph(Surv(time, event) ~ group + age + ph.ecog, data = cohort, ties = "efron")
cox <- c(unlist(lapply(uni, cox_rows, label = "univariable"), recursive = FALSE),
         cox_rows(multi, "multivariable"))

zph <- cox.zph(multi, transform = "km")
ph <- lapply(seq_len(nrow(zph$table)), function(i) list(
  term = rownames(zph$table)[i], chisq = unname(zph$table[i, "chisq"]),
  df = unname(zph$table[i, "df"]), p = unname(zph$table[i, "p"])
))

out <- list(
  source = "R survival::lung via data/examples/lung.csv",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  landmarks = landmarks,
  km = km, logrank = logrank, cox = cox, ph = ph
)
write_json(out, "tests/reference/cli/lung_r.json", auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote tests/reference/cli/lung_r.json\n")
