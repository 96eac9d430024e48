#!/usr/bin/env python3
# Command (run from the repository root, /work/main, after make_survreg.R,
# which writes ovarian.csv and survreg.csv used here):
#   /var/tmp/fit-golden-venv/bin/python tests/golden/fit/make_scipy.py
# (venv: python3.11 -m venv /var/tmp/fit-golden-venv &&
#        /var/tmp/fit-golden-venv/bin/pip install numpy scipy)
#
# 1. Simulates tests/golden/fit/simulated.csv (numpy default_rng(37), 400 kept
#    left-truncated subjects; see simulate()).
# 2. Fits parametric survival models by maximum likelihood with scipy.stats
#    log-densities / log-survivor functions and scipy.optimize.minimize, and
#    writes tests/golden/fit/scipy.csv (long format, see README.md).
# 3. Cross-checks the ovarian fits against survreg.csv (R survival::survreg).
import csv
import math
import os
import platform
import sys

import numpy as np
import scipy
from scipy import optimize, special, stats

OUT = os.path.join("tests", "golden", "fit")
TOOL = f"python {platform.python_version()} numpy {np.__version__} scipy {scipy.__version__}"


# --------------------------------------------------------------------------
# Simulated data
# --------------------------------------------------------------------------
def simulate(n_keep=400, seed=37):
    """Left-truncated, right-censored Weibull data.

    For the k-th kept subject (k = 0, 1, ...), group = k % 2 (alternating).
    Candidates are drawn, in this order, from one default_rng(seed) stream:
      T = 100 * exp(0.4 * group) * rng.weibull(1.5)   (Weibull shape 1.5)
      C = rng.uniform(20, 250)                         (censoring)
      L = rng.uniform(0, 30)                           (entry / truncation)
    each rounded to 3 decimals; the candidate is kept only if T > L and C > L
    (otherwise it is discarded and a new candidate is drawn for the same k).
    time = min(T, C), event = 1 if T <= C else 0, entry = L.
    """
    rng = np.random.default_rng(seed)
    rows = []
    k = 0
    n_drawn = 0
    while len(rows) < n_keep:
        g = k % 2
        T = round(100.0 * math.exp(0.4 * g) * rng.weibull(1.5), 3)
        C = round(rng.uniform(20.0, 250.0), 3)
        L = round(rng.uniform(0.0, 30.0), 3)
        n_drawn += 1
        if T > L and C > L:
            rows.append((L, min(T, C), 1 if T <= C else 0, g))
            k += 1
    return rows, n_drawn


def write_simulated(path):
    rows, n_drawn = simulate()
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["entry", "time", "event", "group"])
        for L, t, e, g in rows:
            w.writerow([f"{L:.3f}", f"{t:.3f}", e, g])
    return n_drawn


def read_csv(path):
    with open(path, newline="") as fh:
        r = list(csv.DictReader(fh))
    return {k: np.array([float(row[k]) for row in r]) for k in r[0]}


# --------------------------------------------------------------------------
# Families. theta = fitting-scale base parameters; `loc` is the per-subject
# location link value (theta[loc_index] + X @ beta). Each builder returns a
# function giving (logpdf, logsf) evaluated at an array of times.
# --------------------------------------------------------------------------
def gompertz_formula(t, a, b):
    """log f, log S for h(t) = b exp(a t), S = exp(-(b/a)(exp(a t) - 1))."""
    at = a * t
    # (exp(a t) - 1)/a, with the a -> 0 limit t
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(at == 0.0, t, special.expm1(at) / np.where(a == 0.0, 1.0, a))
    logS = -b * ratio
    return np.log(b) + at + logS, logS


def gengamma_formula(t, mu, sigma, Q):
    """Prentice generalised gamma as in flexsurv::dgengamma / pgengamma (Q != 0)."""
    w = (np.log(t) - mu) / sigma
    q2 = Q ** -2
    u = q2 * np.exp(Q * w)
    logf = (np.log(abs(Q)) + q2 * np.log(q2) - np.log(sigma) - np.log(t)
            - special.gammaln(q2) + q2 * (Q * w - np.exp(Q * w)))
    S = special.gammaincc(q2, u) if Q > 0 else special.gammainc(q2, u)
    with np.errstate(divide="ignore"):
        return logf, np.log(S)


def gengamma_scipy(mu, sigma, Q):
    return stats.gengamma(a=1.0 / Q ** 2, c=Q / sigma, scale=np.exp(mu) * (Q ** 2) ** (sigma / Q))


def check_gengamma_mapping():
    ts = np.array([0.05, 0.7, 1.0, 3.3, 12.0, 150.0, 1100.0])
    n = 0
    for mu in (-0.5, 0.0, 2.0, 6.5):
        for sigma in (0.3, 1.0, 2.2):
            for Q in (-2.0, -0.7, -0.2, 0.15, 0.6, 1.0, 1.8):
                lf, ls = gengamma_formula(ts, mu, sigma, Q)
                d = gengamma_scipy(mu, sigma, Q)
                ok = np.isfinite(lf) & np.isfinite(ls) & (ls > -600)
                assert np.allclose(d.logpdf(ts)[ok], lf[ok], rtol=1e-9, atol=1e-11), (mu, sigma, Q)
                assert np.allclose(d.logsf(ts)[ok], ls[ok], rtol=1e-8, atol=1e-12), (mu, sigma, Q)
                n += int(ok.sum())
    # Q = 1 is the Weibull with shape 1/sigma, scale exp(mu)
    d = gengamma_scipy(1.3, 0.8, 1.0)
    w = stats.weibull_min(c=1 / 0.8, scale=math.exp(1.3))
    ok = w.logsf(ts) > -600
    assert np.allclose(d.logpdf(ts)[ok], w.logpdf(ts)[ok], rtol=1e-10)
    assert np.allclose(d.logsf(ts)[ok], w.logsf(ts)[ok], rtol=1e-10)
    return n


def check_gompertz_mapping():
    ts = np.array([0.1, 1.0, 10.0, 300.0, 1200.0])
    for a in (1e-4, 2e-3, 0.05, 0.9):
        for b in (1e-4, 0.01, 0.3):
            lf, ls = gompertz_formula(ts, a, b)
            d = stats.gompertz(c=b / a, scale=1 / a)
            ok = ls > -600
            assert np.allclose(d.logpdf(ts)[ok], lf[ok], rtol=1e-9, atol=1e-12), (a, b)
            assert np.allclose(d.logsf(ts)[ok], ls[ok], rtol=1e-9, atol=1e-12), (a, b)


FAMILIES = {
    # name: (fitting names, natural names, loc index, natural map)
    "exponential": (["log_rate"], ["rate"], 0),
    "weibull": (["log_shape", "log_scale"], ["shape", "scale"], 1),
    "lognormal": (["meanlog", "log_sdlog"], ["meanlog", "sdlog"], 0),
    "loglogistic": (["log_shape", "log_scale"], ["shape", "scale"], 1),
    "gamma": (["log_shape", "log_scale"], ["shape", "scale"], 1),
    "gompertz": (["shape", "log_rate"], ["shape", "rate"], 1),
    "gengamma": (["mu", "log_sigma", "Q"], ["mu", "sigma", "Q"], 0),
}


def natural(family, base):
    if family == "exponential":
        return [math.exp(base[0])]
    if family in ("weibull", "loglogistic", "gamma"):
        return [math.exp(base[0]), math.exp(base[1])]
    if family == "lognormal":
        return [base[0], math.exp(base[1])]
    if family == "gompertz":
        return [base[0], math.exp(base[1])]
    if family == "gengamma":
        return [base[0], math.exp(base[1]), base[2]]
    raise ValueError(family)


def logf_logS(family, base, loc, t):
    """log density and log survivor at times t; loc is the per-row location link value."""
    if family == "exponential":
        d = stats.expon(scale=np.exp(-loc))
    elif family == "weibull":
        d = stats.weibull_min(c=math.exp(base[0]), scale=np.exp(loc))
    elif family == "lognormal":
        d = stats.lognorm(s=math.exp(base[1]), scale=np.exp(loc))
    elif family == "loglogistic":
        d = stats.fisk(c=math.exp(base[0]), scale=np.exp(loc))
    elif family == "gamma":
        d = stats.gamma(a=math.exp(base[0]), scale=np.exp(loc))
    elif family == "gompertz":
        a = base[0]
        b = np.exp(loc)
        if a > 0:
            d = stats.gompertz(c=b / a, scale=1.0 / a)
        else:
            # scipy's gompertz needs a > 0; use the formula directly.
            return gompertz_formula(t, a, b)
    elif family == "gengamma":
        sigma, Q = math.exp(base[1]), base[2]
        if Q == 0.0:
            d = stats.lognorm(s=sigma, scale=np.exp(loc))
        else:
            d = gengamma_scipy(loc, sigma, Q)
    else:
        raise ValueError(family)
    return d.logpdf(t), d.logsf(t)


def make_loglik(family, data, covs, use_entry):
    t, ev = data["time"], data["event"].astype(bool)
    X = np.column_stack([data[c] for c in covs]) if covs else np.zeros((len(t), 0))
    entry = data["entry"] if use_entry else None
    k = len(FAMILIES[family][0])
    li = FAMILIES[family][2]

    def ll(p):
        p = np.asarray(p, dtype=float)
        base, beta = p[:k], p[k:]
        loc = base[li] + X @ beta
        with np.errstate(all="ignore"):
            lf, ls = logf_logS(family, base, loc, t)
            val = lf[ev].sum() + ls[~ev].sum()
            if entry is not None:
                _, ls0 = logf_logS(family, base, loc, entry)
                val -= ls0.sum()
        return float(val) if np.isfinite(val) else -np.inf

    return ll


# --------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------
def grad_fd(f, x, h):
    def D(hh):
        g = np.empty(len(x))
        for i in range(len(x)):
            e = np.zeros(len(x)); e[i] = hh[i]
            g[i] = (f(x + e) - f(x - e)) / (2 * hh[i])
        return g
    return (4 * D(h / 2) - D(h)) / 3  # Richardson


def hess_fd(f, x, h):
    n = len(x)
    f0 = f(x)

    def H(hh):
        M = np.empty((n, n))
        for i in range(n):
            ei = np.zeros(n); ei[i] = hh[i]
            M[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / hh[i] ** 2
            for j in range(i):
                ej = np.zeros(n); ej[j] = hh[j]
                M[i, j] = M[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                     + f(x - ei - ej)) / (4 * hh[i] * hh[j])
        return M
    return (4 * H(h / 2) - H(h)) / 3  # Richardson


# --------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------
def maximise(ll, x0):
    nll = lambda p: (lambda v: 1e300 if not np.isfinite(v) else -v)(ll(p))
    rel = lambda x: 1e-6 * np.maximum(np.abs(x), 1.0)
    r = optimize.minimize(nll, x0, method="BFGS",
                          jac=lambda p: -grad_fd(ll, p, rel(p)) if np.isfinite(ll(p)) else np.zeros(len(p)),
                          options={"gtol": 1e-10, "maxiter": 10000})
    r = optimize.minimize(nll, r.x, method="Nelder-Mead",
                          options={"xatol": 1e-10, "fatol": 1e-13, "maxfev": 1500,
                                   "adaptive": len(x0) > 2})
    x = r.x
    return x, -r.fun


def newton_polish(ll, x):
    """Newton steps with finite-difference gradient/Hessian (steps scaled by the SE)."""
    se = None
    for it in range(20):
        if se is None:
            H = hess_fd(ll, x, 1e-4 * np.maximum(np.abs(x), 1.0))
            try:
                se = np.sqrt(np.diag(np.linalg.inv(-H)))
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(se)):
                break
        H = hess_fd(ll, x, 5e-3 * se)
        g = grad_fd(ll, x, 1e-3 * se)
        step = np.linalg.solve(-H, g)
        f0 = ll(x)
        lam = 1.0
        while lam > 1e-4 and not (ll(x + lam * step) >= f0 - 1e-11):
            lam /= 2
        if lam <= 1e-4:
            break
        x = x + lam * step
        if np.max(np.abs(step / se)) < 1e-11:
            break
    return x


def starts(family, data, covs, fitted):
    t, ev = data["time"], data["event"]
    k = len(FAMILIES[family][0])
    lt = np.log(t)
    m = math.log(t.sum() / max(ev.sum(), 1))
    s = float(np.std(lt[ev == 1])) if ev.sum() > 1 else 1.0
    b = [0.0] * len(covs)
    out = []
    if family == "exponential":
        out.append([-m])
    elif family in ("weibull", "loglogistic", "gamma"):
        out.append([0.0, m])
    elif family == "lognormal":
        out.append([m, math.log(s)])
    elif family == "gompertz":
        tm = float(np.mean(t))
        for a in (1e-3 / tm, 1.0 / tm, -1.0 / tm):
            out.append([a, -m])
    elif family == "gengamma":
        wb = fitted.get("weibull")
        ln = fitted.get("lognormal")
        if wb is not None:  # Q = 1: Weibull with sigma = 1/shape, mu = log scale
            out.append([wb[1], -wb[0], 1.0] + list(wb[2:]))
        if ln is not None:
            for Q in (0.3, -0.3):
                out.append([ln[0], ln[1], Q] + list(ln[2:]))
        out.append([m, math.log(s), -1.0] + b)
        return out
    out = [o + b for o in out]
    prev = fitted.get(family + "/nocov")
    if prev is not None and covs:
        out.append(list(prev) + b)
    return out


def fit_one(data_name, data, family, covs, use_entry, fitted):
    ll = make_loglik(family, data, covs, use_entry)
    best = None
    for x0 in starts(family, data, covs, fitted):
        x0 = np.array(x0, dtype=float)
        if not np.isfinite(ll(x0)):
            continue
        x, v = maximise(ll, x0)
        x = newton_polish(ll, x)
        v = ll(x)
        if best is None or v > best[1] + 1e-9:
            best = (x, v)
    x, v = best
    # Hessian: first relative steps 1e-4, then steps 5e-3 * SE; both Richardson.
    H1 = hess_fd(ll, x, 1e-4 * np.maximum(np.abs(x), 1.0))
    se1 = np.sqrt(np.diag(np.linalg.inv(-H1)))
    H = hess_fd(ll, x, 5e-3 * se1)
    cov = np.linalg.inv(-H)
    cov = (cov + cov.T) / 2
    eig = np.linalg.eigvalsh(-H)
    se = np.sqrt(np.diag(cov))
    g = grad_fd(ll, x, 1e-3 * se)
    diag = {
        "grad_se_units": float(np.max(np.abs(g * se))),
        "hess_rel_diff": float(np.max(np.abs(np.sqrt(np.diag(np.linalg.inv(-H1))) / se - 1))),
        "min_eig": float(eig.min()),
    }
    return x, v, se, cov, diag


def main():
    print(TOOL)
    print("numpy", np.__version__, "scipy", scipy.__version__, "python", sys.version.split()[0])
    n = check_gengamma_mapping()
    check_gompertz_mapping()
    print(f"gengamma scipy mapping checked against the flexsurv formula at {n} points (Q<0 and Q>0)")

    n_drawn = write_simulated(os.path.join(OUT, "simulated.csv"))
    sim = read_csv(os.path.join(OUT, "simulated.csv"))
    print(f"simulated.csv: 400 kept of {n_drawn} drawn; events {int(sim['event'].sum())}; "
          f"group1 {int(sim['group'].sum())}")
    ov = read_csv(os.path.join(OUT, "ovarian.csv"))
    ov = {"time": ov["futime"], "event": ov["fustat"], "age": ov["age"]}

    jobs = [("ovarian", ov, [], False), ("ovarian", ov, ["age"], False),
            ("simulated", sim, [], True), ("simulated", sim, ["group"], True),
            ("simulated", sim, [], False), ("simulated", sim, ["group"], False)]
    order = ["exponential", "weibull", "lognormal", "loglogistic", "gamma", "gompertz", "gengamma"]
    rows = []
    results = {}
    notes = []
    fitted_nocov = {}
    for data_name, data, covs, use_entry in jobs:
        fitted = {}
        for family in order:
            if not covs:
                pass
            ctx = dict(fitted)
            if covs:
                key = (data_name, family, use_entry)
                if key in fitted_nocov:
                    ctx[family + "/nocov"] = fitted_nocov[key]
            x, v, se, cov, dg = fit_one(data_name, data, family, covs, use_entry, ctx)
            fitted[family] = x
            if not covs:
                fitted_nocov[(data_name, family, use_entry)] = x
            fnames, nnames, _ = FAMILIES[family]
            k = len(fnames)
            fnames = fnames + covs
            nat = natural(family, x[:k]) + list(x[k:])
            nnames = nnames + covs
            cv = "none" if not covs else "+".join(covs)
            en = "true" if use_entry else "false"
            results[(data_name, family, cv, en)] = (x, v, se, cov)
            base = [data_name, family, cv, en]
            for nm, val in zip(nnames, nat):
                rows.append(base + ["estimate", nm, val])
            for nm, val in zip(fnames, x):
                rows.append(base + ["fitting", nm, val])
            for nm, val in zip(fnames, se):
                rows.append(base + ["se", nm, val])
            rows.append(base + ["loglik", "loglik", v])
            for i in range(len(x)):
                for j in range(len(x)):
                    rows.append(base + ["cov", f"{i},{j}", cov[i, j]])
            msg = (f"{data_name:9s} {family:11s} cov={cv:5s} entry={en:5s} loglik={v:.10f} "
                   f"|grad*se|={dg['grad_se_units']:.1e} hess(1e-4 rel vs 5e-3 se) se diff={dg['hess_rel_diff']:.1e} "
                   f"theta={np.array2string(x, precision=5)}")
            print(msg)
            if dg["min_eig"] <= 0:
                notes.append(f"NOT NEGATIVE DEFINITE: {base}")
            if family == "gompertz" and x[0] <= 0:
                notes.append(f"gompertz shape <= 0 (formula used, not scipy.stats.gompertz): {base} a={x[0]:.6g}")
            if family == "gengamma" and (abs(x[2]) < 1e-3 or abs(x[2]) > 20 or x[1] < -10):
                notes.append(f"gengamma near boundary: {base} theta={x}")

    with open(os.path.join(OUT, "scipy.csv"), "w", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(["data", "family", "covariates", "entry", "kind", "name", "value", "tool"])
        for r in rows:
            w.writerow(r[:6] + [format(float(r[6]), ".17g"), TOOL])
    print(f"wrote {len(rows)} rows to scipy.csv")

    # Cross-check against survreg
    sr = {}
    with open(os.path.join(OUT, "survreg.csv"), newline="") as fh:
        for r in csv.DictReader(fh):
            sr.setdefault((r["data"], r["family"], r["covariates"], r["entry"]), []).append(r)
    print("cross-check vs survreg (ovarian):")
    for key, rs in sorted(sr.items()):
        if key not in results:
            continue
        x, v, se, cov = results[key]
        ll_sr = [float(r["value"]) for r in rs if r["kind"] == "loglik"][0]
        th_sr = np.array([float(r["value"]) for r in rs if r["kind"] == "fitting"])
        se_sr = np.array([float(r["value"]) for r in rs if r["kind"] == "se"])
        dll = abs(v - ll_sr)
        dth = np.max(np.abs(x - th_sr) / se_sr)
        dse = np.max(np.abs(se / se_sr - 1))
        print(f"  {key[1]:11s} cov={key[2]:5s} |dloglik|={dll:.2e} max|dtheta|/se={dth:.2e} "
              f"max rel dSE={dse:.2e}")
        if key[1] in ("weibull", "lognormal") and key[2] == "none":
            assert dll < 1e-6, key
    for nmsg in notes:
        print("NOTE:", nmsg)


if __name__ == "__main__":
    main()
