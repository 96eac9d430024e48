# The example data of docs/fitting.md, simulated from the default scenario
# (scenarios/foraminal-stenosis.toml, intervention "endoscopic").
# Command (from the repository root): Rscript docs/data/make_data.R
# R's default generator (Mersenne-Twister, inversion, rejection sampling)
# with set.seed(2026) gives the same files on any R since 3.6.0.
set.seed(2026)
covariates <- function(n) {
  # [[cohort.covariates]] region: lumbar 0.7, cervical 0.3; age: normal,
  # mean 62, sd 11, truncated to [30, 90] (drawn by rejection).
  region <- ifelse(runif(n) < 0.7, "lumbar", "cervical")
  age <- numeric(n)
  for (i in seq_len(n)) {
    repeat {
      a <- rnorm(1, 62, 11)
      if (a >= 30 && a <= 90) break
    }
    age[i] <- round(a)
  }
  data.frame(region = region, age = age)
}

# endoscopic-recovery.csv: days from the procedure to recovery among
# responders, recovery_time = lognormal, median 3 weeks, p90 6 weeks
# (mu = ln 21, sigma = ln 2 / 1.2815515655446004). Follow-up ends at a
# uniform 30 to 120 days (censoring). A third of the patients joined the
# registry after their procedure, on a uniform day 1 to 14 (left
# truncation): they are in the data only if not yet recovered by then.
rows <- NULL
while (is.null(rows) || nrow(rows) < 300) {
  x <- covariates(1)
  t <- exp(log(21) + log(2) / 1.2815515655446004 * rnorm(1))
  follow_up <- runif(1, 30, 120)
  entered <- if (runif(1) < 1 / 3) runif(1, 1, 14) else 0
  if (min(t, follow_up) > entered) {
    rows <- rbind(rows, data.frame(
      days = round(min(t, follow_up), 1), recovered = as.integer(t <= follow_up),
      entered = round(entered, 1), region = x$region, age = x$age
    ))
  }
}
# A recovery rounded onto the day of entry would not be after it.
rows$days <- pmax(rows$days, rows$entered + 0.1)
write.csv(rows, "docs/data/endoscopic-recovery.csv", row.names = FALSE, quote = FALSE)

# endoscopic-response.csv: 400 patients, full response with the default's
# probability 0.90 (its calibrated posterior mean), whatever the region.
x <- covariates(400)
x$responded <- as.integer(runif(400) < 0.90)
write.csv(x[, c("responded", "region", "age")], "docs/data/endoscopic-response.csv", row.names = FALSE, quote = FALSE)
