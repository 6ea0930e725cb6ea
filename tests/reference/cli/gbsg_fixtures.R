# Reference values for the generic survival comparison with three groups and categorical
# covariates: the German Breast Cancer Study Group 2 trial, R's survival::gbsg (the same
# 686 rows that lifelines ships as load_gbsg2()). Computed with R's survival only.
#
#   Rscript tests/reference/cli/gbsg_fixtures.R      (run from the repository root)
#
# Writes tests/reference/cli/gbsg_r.json. Coding follows lifelines' copy: grade 1/2/3 ->
# I/II/III (II is the reference), meno 1 -> Post (reference), 0 -> Pre; hormon 0 -> no
# (reference), 1 -> yes.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

d <- survival::gbsg
d$group <- factor(c("I", "II", "III")[d$grade], levels = c("I", "II", "III"))
d$menostat <- factor(ifelse(d$meno == 1, "Post", "Pre"), levels = c("Post", "Pre"))
d$horTh <- factor(ifelse(d$hormon == 1, "yes", "no"), levels = c("no", "yes"))
d$time <- d$rfstime
d$event <- d$status

fit <- survfit(Surv(time, event) ~ group, data = d, conf.type = "log")
tab <- summary(fit)$table
landmarks <- c(365, 730)
at <- summary(fit, times = landmarks, extend = TRUE)
km <- lapply(levels(d$group), function(g) {
  row <- tab[paste0("group=", g), ]
  sel <- which(at$strata == paste0("group=", g))
  list(group = g, n = unname(row["records"]), events = unname(row["events"]),
       median = unname(row["median"]),
       median_ci = unname(c(row["0.95LCL"], row["0.95UCL"])),
       landmarks = lapply(sel, function(i) list(time = at$time[i], survival = at$surv[i],
                                                ci = c(at$lower[i], at$upper[i]))))
})

lr <- survdiff(Surv(time, event) ~ group, data = d)
df <- length(lr$n) - 1
logrank <- list(chisq = lr$chisq, df = df, p = pchisq(lr$chisq, df, lower.tail = FALSE))

d$group <- relevel(d$group, ref = "II")
rows <- function(model, label) {
  s <- summary(model)
  lapply(seq_len(nrow(s$coefficients)), function(i) list(
    model = label, term = rownames(s$coefficients)[i],
    coef = unname(s$coefficients[i, "coef"]), hr = unname(s$coefficients[i, "exp(coef)"]),
    ci = unname(c(s$conf.int[i, "lower .95"], s$conf.int[i, "upper .95"])),
    p = unname(s$coefficients[i, "Pr(>|z|)"])))
}
uni <- lapply(c("group", "age", "menostat", "horTh"), function(v)
  coxph(as.formula(paste("Surv(time, event) ~", v)), data = d, ties = "efron"))
multi <- coxph(Surv(time, event) ~ group + age + menostat + horTh, data = d, ties = "efron")
cox <- c(unlist(lapply(uni, rows, label = "univariable"), recursive = FALSE),
         rows(multi, "multivariable"))

out <- list(source = "R survival::gbsg", survival_version = as.character(packageVersion("survival")),
            landmarks = landmarks, km = km, logrank = logrank, cox = cox)
write_json(out, "tests/reference/cli/gbsg_r.json", auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote tests/reference/cli/gbsg_r.json\n")
