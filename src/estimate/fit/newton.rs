//! Maximisation of a smooth function of a few parameters by Newton's
//! method on finite-difference derivatives, damped (Levenberg) where the
//! Hessian is not negative definite and with a halving line search. The
//! derivatives are central differences with step `h = 1e-4 max(1, |x|)`,
//! the gradient's extrapolated to O(h⁴) (Richardson), so the maximum is
//! found to about 1e-10 relative where the function is of order 1; the
//! Hessian (whose inverse gives the standard errors) errs by O(h²), about
//! 1e-7 relative.

use crate::estimate::linalg::{cholesky, solve_lower, solve_lower_transposed};

/// Newton steps before a fit is said not to converge.
const MAX_ITERATIONS: usize = 200;
/// The Newton decrement `gᵀ A⁻¹ g` (twice the expected gain) below which
/// the maximum is reached.
const DECREMENT: f64 = 1e-10;
/// The largest change of any parameter in one step, on its fitting scale.
const MAX_STEP: f64 = 3.0;

/// The maximum found, or why none was.
#[derive(Debug, Clone)]
pub struct Maximum {
    pub x: Vec<f64>,
    pub value: f64,
    /// Minus the Hessian at `x`, row-major `n × n` (the observed
    /// information when `f` is a log-likelihood).
    pub information: Vec<f64>,
    /// Newton steps taken, or why the search stopped short of a maximum.
    pub converged: Result<usize, String>,
}

fn step(x: f64) -> f64 {
    1e-4 * x.abs().max(1.0)
}

/// The gradient and minus the Hessian of `f` at `x` (where `f(x) = fx`).
pub fn derivatives(f: &dyn Fn(&[f64]) -> f64, x: &[f64], fx: f64) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let at = |moves: &[(usize, f64)]| {
        let mut y = x.to_vec();
        for &(i, d) in moves {
            y[i] += d;
        }
        f(&y)
    };
    let mut g = vec![0.0; n];
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        let h = step(x[i]);
        let (up, down) = (at(&[(i, h)]), at(&[(i, -h)]));
        let (half_up, half_down) = (at(&[(i, h / 2.0)]), at(&[(i, -h / 2.0)]));
        // Richardson's extrapolation of the central difference: O(h⁴).
        g[i] = (4.0 * (half_up - half_down) / h - (up - down) / (2.0 * h)) / 3.0;
        a[i * n + i] = -(up - 2.0 * fx + down) / (h * h);
        for j in 0..i {
            let k = step(x[j]);
            let mixed =
                at(&[(i, h), (j, k)]) - at(&[(i, h), (j, -k)]) - at(&[(i, -h), (j, k)]) + at(&[(i, -h), (j, -k)]);
            let v = -mixed / (4.0 * h * k);
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
    }
    (g, a)
}

/// `A⁻¹ b` for a positive definite `A`, or `None`.
fn solve(a: &[f64], n: usize, b: &[f64]) -> Option<Vec<f64>> {
    let mut l = a.to_vec();
    if !cholesky(&mut l, n) {
        return None;
    }
    let mut x = b.to_vec();
    solve_lower(&l, n, &mut x);
    solve_lower_transposed(&l, n, &mut x);
    Some(x)
}

/// The inverse of a positive definite `A`, or `None`.
pub fn inverse(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut inv = vec![0.0; n * n];
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        let col = solve(a, n, &e)?;
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    Some(inv)
}

/// The maximum of `f` from `start`. A value that is not finite counts as
/// minus infinity (a step there is shortened).
pub fn maximise(f: &dyn Fn(&[f64]) -> f64, start: &[f64]) -> Maximum {
    let n = start.len();
    let mut x = start.to_vec();
    let mut fx = f(&x);
    let stop = |x: Vec<f64>, value: f64, why: String| Maximum {
        information: vec![f64::NAN; n * n],
        x,
        value,
        converged: Err(why),
    };
    if !fx.is_finite() {
        return stop(x, fx, "the log-likelihood is not finite at the starting values".into());
    }
    for iteration in 0..MAX_ITERATIONS {
        let (g, a) = derivatives(f, &x, fx);
        if g.iter().chain(&a).any(|v| !v.is_finite()) {
            return stop(x, fx, "the log-likelihood's derivatives are not finite".into());
        }
        let mut damping = 0.0;
        let d = loop {
            let mut m = a.clone();
            for i in 0..n {
                m[i * n + i] += damping * (1.0 + a[i * n + i].abs());
            }
            if let Some(d) = solve(&m, n, &g) {
                break d;
            }
            damping = if damping == 0.0 { 1e-6 } else { damping * 10.0 };
            if damping > 1e12 {
                return stop(x, fx, "the log-likelihood's curvature cannot be used".into());
            }
        };
        let decrement: f64 = g.iter().zip(&d).map(|(g, d)| g * d).sum();
        if damping == 0.0 && decrement < DECREMENT {
            // One last full step: Newton's convergence is quadratic, so it
            // takes the estimates from about sqrt(DECREMENT) to rounding.
            let y: Vec<f64> = x.iter().zip(&d).map(|(x, d)| x + d).collect();
            let fy = f(&y);
            if fy.is_finite() && fy >= fx - 1e-9 * (1.0 + fx.abs()) {
                (x, fx) = (y, fy);
            }
            return Maximum {
                information: a,
                x,
                value: fx,
                converged: Ok(iteration + 1),
            };
        }
        let largest = d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut t = if largest > MAX_STEP { MAX_STEP / largest } else { 1.0 };
        loop {
            let y: Vec<f64> = x.iter().zip(&d).map(|(x, d)| x + t * d).collect();
            let fy = f(&y);
            if fy.is_finite() && fy >= fx {
                x = y;
                fx = fy;
                break;
            }
            t *= 0.5;
            if t < 1e-12 {
                let (g, a) = derivatives(f, &x, fx);
                return if decrement < 1e-6 && solve(&a, n, &g).is_some() {
                    Maximum {
                        information: a,
                        x,
                        value: fx,
                        converged: Ok(iteration),
                    }
                } else {
                    stop(x, fx, "no step from here increases the log-likelihood".into())
                };
            }
        }
    }
    stop(x, fx, format!("no maximum within {MAX_ITERATIONS} Newton steps"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_maximum_of_a_quadratic_and_its_curvature() {
        // f = -(x - 1)² - 2 (y + 3)² - (x - 1)(y + 3): information [[2, 1], [1, 4]].
        let f = |p: &[f64]| {
            let (a, b) = (p[0] - 1.0, p[1] + 3.0);
            -a * a - 2.0 * b * b - a * b
        };
        let m = maximise(&f, &[10.0, 10.0]);
        assert!(m.converged.is_ok());
        assert!((m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] + 3.0).abs() < 1e-8, "{:?}", m.x);
        for (got, want) in m.information.iter().zip([2.0, 1.0, 1.0, 4.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", m.information);
        }
        let inv = inverse(&m.information, 2).unwrap();
        // [[2, 1], [1, 4]]⁻¹ = [[4, -1], [-1, 2]] / 7
        for (got, want) in inv.iter().zip([4.0 / 7.0, -1.0 / 7.0, -1.0 / 7.0, 2.0 / 7.0]) {
            assert!((got - want).abs() < 1e-6);
        }
    }

    #[test]
    fn climbs_out_of_a_region_of_wrong_curvature() {
        // Rosenbrock's banana, negated: its Hessian is indefinite away from
        // the valley floor.
        let f = |p: &[f64]| -(100.0 * (p[1] - p[0] * p[0]).powi(2) + (1.0 - p[0]).powi(2));
        let m = maximise(&f, &[-1.2, 1.0]);
        assert!(m.converged.is_ok(), "{:?}", m.converged);
        assert!((m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6, "{:?}", m.x);
    }

    #[test]
    fn says_why_when_there_is_no_maximum() {
        let f = |p: &[f64]| p[0];
        assert!(maximise(&f, &[0.0]).converged.is_err());
        let f = |_: &[f64]| f64::NAN;
        let why = maximise(&f, &[0.0]).converged.unwrap_err();
        assert!(why.contains("not finite"), "{why}");
    }
}
