# Command (run from the repository root, /work/main, after make_survreg.R and make_scipy.py):
#   Rscript tests/golden/fit/check_loglik.R
# Independent check: re-evaluates every log-likelihood in scipy.csv in base R
# (dgamma/pgamma, dweibull, dlnorm, hand-written loglogistic, gompertz and
# gengamma formulas) at the scipy optima and prints the differences.
s <- read.csv("tests/golden/fit/scipy.csv", colClasses="character")
ov <- read.csv("tests/golden/fit/ovarian.csv"); sim <- read.csv("tests/golden/fit/simulated.csv")
dens <- function(fam, th, loc, t) { # returns list(logf, logS)
  switch(fam,
   gamma = list(dgamma(t, shape=exp(th[1]), scale=exp(loc), log=TRUE), pgamma(t, shape=exp(th[1]), scale=exp(loc), lower.tail=FALSE, log.p=TRUE)),
   gompertz = { a <- th[1]; b <- exp(loc); lS <- -(b/a)*expm1(a*t); list(log(b)+a*t+lS, lS) },
   weibull = list(dweibull(t, exp(th[1]), exp(loc), log=TRUE), pweibull(t, exp(th[1]), exp(loc), lower.tail=FALSE, log.p=TRUE)),
   lognormal = list(dlnorm(t, loc, exp(th[2]), log=TRUE), plnorm(t, loc, exp(th[2]), lower.tail=FALSE, log.p=TRUE)),
   exponential = list(dexp(t, exp(loc), log=TRUE), pexp(t, exp(loc), lower.tail=FALSE, log.p=TRUE)),
   loglogistic = { k <- exp(th[1]); z <- (t/exp(loc))^k; list(log(k) - loc + (k-1)*log(t/exp(loc)) - 2*log1p(z), -log1p(z)) },
   gengamma = { sg <- exp(th[2]); Q <- th[3]; w <- (log(t)-loc)/sg; q2 <- Q^-2; u <- q2*exp(Q*w)
     lf <- log(abs(Q)) + q2*log(q2) - log(sg) - log(t) - lgamma(q2) + q2*(Q*w - exp(Q*w))
     lS <- pgamma(u, q2, lower.tail = (Q < 0), log.p=TRUE); list(lf, lS) })
}
loc_i <- c(exponential=1, weibull=2, lognormal=1, loglogistic=2, gamma=2, gompertz=2, gengamma=1)
keys <- unique(s[, c("data","family","covariates","entry")])
worst <- 0
for (r in seq_len(nrow(keys))) {
  k <- keys[r,]; ss <- s[s$data==k$data & s$family==k$family & s$covariates==k$covariates & s$entry==k$entry, ]
  th <- as.numeric(ss$value[ss$kind=="fitting"]); ll0 <- as.numeric(ss$value[ss$kind=="loglik"])
  d <- if (k$data=="ovarian") data.frame(t=ov$futime, e=ov$fustat, x=ov$age, L=0) else data.frame(t=sim$time, e=sim$event, x=sim$group, L=sim$entry)
  nb <- if (k$covariates=="none") length(th) else length(th)-1
  loc <- th[loc_i[k$family]] + if (nb < length(th)) th[length(th)]*d$x else 0
  a <- dens(k$family, th, loc, d$t); ll <- sum(ifelse(d$e==1, a[[1]], a[[2]]))
  if (k$entry=="true") ll <- ll - sum(dens(k$family, th, loc, d$L)[[2]])
  worst <- max(worst, abs(ll-ll0))
  cat(sprintf("%-9s %-11s %-5s %-5s R=%.12f scipy=%.12f diff=%.1e\n", k$data, k$family, k$covariates, k$entry, ll, ll0, ll-ll0))
}
cat("max |diff| =", worst, "\n")
