# Command (run from the repository root, /work/main):
#   Rscript tests/golden/fit/make_survreg.R
#
# Golden parametric survival fits from R's survival::survreg on the `ovarian`
# data (Edmunson et al. 1979, shipped with R survival). Writes
#   tests/golden/fit/ovarian.csv   (survival::ovarian, dots in names -> underscores)
#   tests/golden/fit/survreg.csv   (long format, see README.md)
# survreg's parameterisation is converted to the flexsurv-style one described
# in README.md, and survreg's own covariance matrix (fit$var, on
# (coefficients, Log(scale))) is transformed by the (diagonal, +/-1) Jacobian.
suppressPackageStartupMessages(library(survival))

out_dir <- file.path("tests", "golden", "fit")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

ov <- survival::ovarian
names(ov) <- gsub(".", "_", names(ov), fixed = TRUE)
write.csv(ov, file.path(out_dir, "ovarian.csv"), row.names = FALSE)

cat(R.version.string, "\n")
cat("survival", as.character(packageVersion("survival")), "\n")

fmt <- function(x) sprintf("%.17g", x)
rows <- list()
add <- function(family, covs, kind, name, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    data = "ovarian", family = family, covariates = covs, entry = "false",
    kind = kind, name = name, value = fmt(value), tool = tool,
    stringsAsFactors = FALSE)
}
tool <- paste0("R ", R.version$major, ".", R.version$minor,
               " survival::survreg ", as.character(packageVersion("survival")))

ctrl <- survreg.control(rel.tolerance = 1e-13, toler.chol = 1e-15, maxiter = 200)

for (dist in c("weibull", "lognormal", "loglogistic", "exponential")) {
  for (covs in c("none", "age")) {
    f <- if (covs == "none") Surv(futime, fustat) ~ 1 else Surv(futime, fustat) ~ age
    fit <- survreg(f, data = ov, dist = dist, control = ctrl)
    if (fit$iter >= ctrl$maxiter) stop("survreg did not converge: ", dist, " ", covs)
    b <- coef(fit)                       # (Intercept), [age]
    V <- fit$var                         # on (coefs, [Log(scale)])
    nb <- length(b)
    has_scale <- dist != "exponential"
    if (has_scale) {
      logs <- log(fit$scale)
      stopifnot(nrow(V) == nb + 1)
    } else {
      stopifnot(nrow(V) == nb)
    }
    # Map survreg's vector (b0, [b_age], [log s]) to our fitting vector.
    # idx: which survreg position each of our parameters comes from; sgn: sign.
    if (dist %in% c("weibull", "loglogistic")) {
      nat_names <- c("shape", "scale"); fit_names <- c("log_shape", "log_scale")
      idx <- c(nb + 1, 1); sgn <- c(-1, 1)
      theta <- c(-logs, b[1])
      nat <- c(1 / fit$scale, exp(b[1]))
    } else if (dist == "lognormal") {
      nat_names <- c("meanlog", "sdlog"); fit_names <- c("meanlog", "log_sdlog")
      idx <- c(1, nb + 1); sgn <- c(1, 1)
      theta <- c(b[1], logs)
      nat <- c(b[1], fit$scale)
    } else { # exponential: log rate = -intercept
      nat_names <- "rate"; fit_names <- "log_rate"
      idx <- 1; sgn <- -1
      theta <- -b[1]
      nat <- exp(-b[1])
    }
    if (covs == "age") {
      # covariate acts on the location's link scale: log scale (+), meanlog (+),
      # log rate (-) for the exponential.
      s_age <- if (dist == "exponential") -1 else 1
      idx <- c(idx, 2); sgn <- c(sgn, s_age)
      theta <- c(theta, s_age * b[2]); nat <- c(nat, s_age * b[2])
      nat_names <- c(nat_names, "age"); fit_names <- c(fit_names, "age")
    }
    J <- diag(sgn, nrow = length(sgn))
    C <- J %*% V[idx, idx, drop = FALSE] %*% J
    se <- sqrt(diag(C))
    for (k in seq_along(nat)) add(dist, covs, "estimate", nat_names[k], nat[k])
    for (k in seq_along(theta)) add(dist, covs, "fitting", fit_names[k], theta[k])
    for (k in seq_along(se)) add(dist, covs, "se", fit_names[k], se[k])
    add(dist, covs, "loglik", "loglik", fit$loglik[2])
    for (i in seq_along(theta)) for (j in seq_along(theta))
      add(dist, covs, "cov", paste0(i - 1, ",", j - 1), C[i, j])
    cat(sprintf("%-12s %-5s iter=%d loglik=%.12f\n", dist, covs, fit$iter, fit$loglik[2]))
  }
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out_dir, "survreg.csv"), row.names = FALSE, quote = TRUE)
cat("wrote", nrow(res), "rows\n")
