# Golden logistic regressions for `foramen fit --response` (tests/it/fit.rs).
# Command (from the repository root): Rscript tests/golden/fit/make_glm.R
# Writes tests/golden/fit/glm.csv: R's glm(binomial) on ovarian.csv, the
# response fustat on age and on age + rx (rx numeric, 1 or 2).
d <- read.csv("tests/golden/fit/ovarian.csv")
out <- NULL
tool <- sprintf("R %s.%s stats::glm", R.version$major, R.version$minor)
for (f in c("fustat ~ age", "fustat ~ age + rx")) {
  m <- glm(as.formula(f), family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))
  v <- vcov(m)
  terms <- names(coef(m))
  covariates <- sub("fustat ~ ", "", f)
  for (i in seq_along(terms)) {
    out <- rbind(out, data.frame(model = covariates, kind = "estimate", name = terms[i], value = sprintf("%.17g", coef(m)[i]), tool = tool))
    out <- rbind(out, data.frame(model = covariates, kind = "se", name = terms[i], value = sprintf("%.17g", sqrt(v[i, i])), tool = tool))
  }
  out <- rbind(out, data.frame(model = covariates, kind = "loglik", name = "loglik", value = sprintf("%.17g", as.numeric(logLik(m))), tool = tool))
}
write.csv(out, "tests/golden/fit/glm.csv", row.names = FALSE)
