#!/usr/bin/env Rscript
# EVPPI by mgcv on one PSA sample, for tests/it/evppi.rs (Strong, Oakley
# and Brennan 2014: EVPPI = mean_i max_d g_d(theta_i) - max_d mean_i g_d,
# g_d fitted by a GAM). As foramen does, the incremental QALYs and the
# incremental cost of each policy against the first are regressed once
# each, and g_d = wtp * dQ_d - dC_d is formed at each willingness to pay.
# mgcv's defaults: s(x) a thin-plate regression spline (k = 10), te(x1, x2)
# a tensor product of cubic regression splines (k = 5 per margin), the
# smoothing parameters by GCV.
#
# Usage: Rscript tests/data/evppi-mgcv.R tests/data/evppi-sample.csv
# Prints one line per group and willingness to pay: group, wtp, EVPPI.
suppressMessages(library(mgcv))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], check.names = FALSE)
wtp <- c(0, 5000, 10000)
groups <- list(
  list(name = "cohort.covariates.accepts_reoperation.probability", form = "s(x1)",
       cols = c("cohort.covariates.accepts_reoperation.probability")),
  list(name = "interventions.endoscopic.cost", form = "s(x1)",
       cols = c("interventions.endoscopic.cost")),
  list(name = "both", form = "te(x1, x2)",
       cols = c("cohort.covariates.accepts_reoperation.probability", "interventions.endoscopic.cost"))
)
policies <- sub("^cost_", "", grep("^cost_", names(d), value = TRUE))
ref <- policies[1]
others <- policies[-1]
for (g in groups) {
  X <- d[, g$cols, drop = FALSE]
  names(X) <- paste0("x", seq_along(g$cols))
  fit <- function(y) {
    df <- cbind(data.frame(y = y), X)
    fitted(gam(as.formula(paste("y ~", g$form)), data = df))
  }
  gq <- lapply(others, function(p) fit(d[[paste0("qalys_", p)]] - d[[paste0("qalys_", ref)]]))
  gc <- lapply(others, function(p) fit(d[[paste0("cost_", p)]] - d[[paste0("cost_", ref)]]))
  for (w in wtp) {
    nb <- cbind(0, sapply(seq_along(others), function(k) w * gq[[k]] - gc[[k]]))
    evppi <- mean(apply(nb, 1, max)) - max(colMeans(nb))
    cat(sprintf("%s\t%.0f\t%.6f\n", g$name, w, evppi))
  }
}
