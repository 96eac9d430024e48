//! The few dense linear-algebra steps the EVPPI regressions need, on
//! row-major square matrices (`a[i * n + j]`): Cholesky factorisation
//! (positive definite, or semi-definite for sampling), triangular solves
//! and the symmetric eigendecomposition by cyclic Jacobi rotations
//! (Golub and Van Loan 2013, section 8.5). Matrices here have at most a
//! few hundred rows for the eigendecomposition (a tensor-product spline
//! basis) and a few thousand for the Cholesky factor (a Gaussian process
//! on the PSA draws), so plain loops are enough.

/// The lower Cholesky factor `L` of the symmetric `a` (`a = L Lᵀ`), in
/// place, zero above the diagonal; `false` when `a` is not positive
/// definite (a pivot at or below zero).
pub fn cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
        for k in j + 1..n {
            a[j * n + k] = 0.0;
        }
    }
    true
}

/// A lower factor `L` with `L Lᵀ = a` for a symmetric positive
/// semi-definite `a` (a covariance that may be singular): a pivot at or
/// below `tolerance` times the largest diagonal entry zeroes its column
/// instead of failing. Used only to draw correlated normals.
pub fn cholesky_semidefinite(a: &mut [f64], n: usize) {
    let top = (0..n).map(|i| a[i * n + i]).fold(0.0, f64::max);
    let tolerance = 1e-12 * top.max(f64::MIN_POSITIVE);
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= tolerance {
            for i in j..n {
                a[i * n + j] = 0.0;
            }
        } else {
            let d = d.sqrt();
            a[j * n + j] = d;
            for i in j + 1..n {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= a[i * n + k] * a[j * n + k];
                }
                a[i * n + j] = s / d;
            }
        }
        for k in j + 1..n {
            a[j * n + k] = 0.0;
        }
    }
}

/// Solves `L x = b` in place for a lower triangular `L` with a non-zero
/// diagonal.
pub fn solve_lower(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solves `Lᵀ x = b` in place for a lower triangular `L` with a non-zero
/// diagonal.
pub fn solve_lower_transposed(l: &[f64], n: usize, b: &mut [f64]) {
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// The eigenvalues and eigenvectors of the symmetric `a`: `(d, v)` with
/// `a = V diag(d) Vᵀ`, eigenvector `j` in column `j` of `v`
/// (`v[i * n + j]`), by cyclic Jacobi sweeps until the off-diagonal mass
/// is below `1e-24` of the whole (at most 60 sweeps; each sweep costs
/// about `6 n³` operations and the method converges quadratically).
pub fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v: Vec<f64> = (0..n * n).map(|k| f64::from(u8::from(k / n == k % n))).collect();
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _ in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off <= 1e-24 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed symmetric positive definite matrix: `M Mᵀ + n I`.
    fn spd(n: usize) -> Vec<f64> {
        let m: Vec<f64> = (0..n * n).map(|k| ((k * 7 + 3) % 11) as f64 / 11.0 - 0.5).collect();
        (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                (0..n).map(|r| m[i * n + r] * m[j * n + r]).sum::<f64>() + if i == j { n as f64 } else { 0.0 }
            })
            .collect()
    }

    #[test]
    fn cholesky_and_solves_invert_a_known_matrix() {
        let n = 6;
        let a = spd(n);
        let mut l = a.clone();
        assert!(cholesky(&mut l, n));
        // L Lᵀ = a.
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..n).map(|k| l[i * n + k] * l[j * n + k]).sum();
                assert!((s - a[i * n + j]).abs() < 1e-12, "{i} {j}");
            }
        }
        let x: Vec<f64> = (0..n).map(|i| i as f64 - 2.0).collect();
        let mut b: Vec<f64> = (0..n).map(|i| (0..n).map(|j| a[i * n + j] * x[j]).sum()).collect();
        solve_lower(&l, n, &mut b);
        solve_lower_transposed(&l, n, &mut b);
        for (got, want) in b.iter().zip(&x) {
            assert!((got - want).abs() < 1e-12);
        }
        let mut singular = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!cholesky(&mut singular, 2));
        cholesky_semidefinite(&mut singular, 2);
        assert_eq!(singular, [1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn jacobi_eigen_reconstructs_the_matrix() {
        let n = 7;
        let a = spd(n);
        let (d, v) = symmetric_eigen(a.clone(), n);
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..n).map(|k| v[i * n + k] * d[k] * v[j * n + k]).sum();
                assert!((s - a[i * n + j]).abs() < 1e-10, "{i} {j}");
                let o: f64 = (0..n).map(|k| v[k * n + i] * v[k * n + j]).sum();
                assert!((o - f64::from(u8::from(i == j))).abs() < 1e-10);
            }
        }
    }
}
