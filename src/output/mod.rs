//! The run directory: where results land, complete or not at all.
//!
//! A run writes into a hidden temporary directory beside its target
//! (`.NAME.partial-PID`) and renames it into place only once every file is
//! written; `manifest.json` is the last file. A run never writes into an
//! existing directory.

pub mod partial;
pub mod psa_partial;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{DirProblem, Error};

/// Removes from `parent` the temporary directories (`.NAME.partial-PID`)
/// left by runs that were killed: those whose process is gone. The process
/// table is read from /proc; where there is none, nothing is removed. A
/// directory that cannot be removed is left as it is.
fn remove_abandoned(parent: &Path) -> Vec<PathBuf> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return Vec::new();
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix('.')
            .and_then(|rest| rest.rsplit_once(".partial-"))
            .and_then(|(_, pid)| pid.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        let gone = pid != std::process::id() && !proc.join(pid.to_string()).exists();
        if gone && entry.path().is_dir() && fs::remove_dir_all(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed.sort();
    removed
}

/// A run directory being written.
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    partial: PathBuf,
    replace: bool,
    abandoned: Vec<PathBuf>,
}

impl RunDir {
    /// Prepares `target` by creating its temporary sibling. `target` must
    /// not exist unless `replace`, in which case it is replaced only when
    /// the new run completes.
    ///
    /// # Errors
    /// [`Error::OutputDir`] if `target` exists (and not `replace`, or it is
    /// not a finished run directory),
    /// [`Error::Output`] if the parent cannot be created or written.
    pub fn create(target: &Path, replace: bool) -> Result<RunDir, Error> {
        if target.exists() && !replace {
            return Err(Error::OutputDir {
                path: target.to_path_buf(),
                problem: DirProblem::Exists,
            });
        }
        if replace && target.exists() && !target.join("manifest.json").exists() {
            return Err(Error::OutputDir {
                path: target.to_path_buf(),
                problem: DirProblem::NotARun,
            });
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|source| Error::Output {
            path: parent.clone(),
            source,
        })?;
        let name = target
            .file_name()
            .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
        let abandoned = remove_abandoned(&parent);
        let partial = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(|source| Error::Output {
                path: partial.clone(),
                source,
            })?;
        }
        fs::create_dir(&partial).map_err(|source| Error::Output {
            path: partial.clone(),
            source,
        })?;
        Ok(RunDir {
            target: target.to_path_buf(),
            partial,
            replace,
            abandoned,
        })
    }

    /// The temporary directories of killed runs removed from the parent
    /// when this one was created.
    pub fn abandoned(&self) -> &[PathBuf] {
        &self.abandoned
    }

    /// Where files are written until [`RunDir::complete`].
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// Writes the manifest last and moves the directory into place.
    ///
    /// # Errors
    /// [`Error::Output`] if the manifest cannot be written or the rename
    /// fails (for example because the target appeared meanwhile).
    pub fn complete(self, manifest: &impl Serialize) -> Result<PathBuf, Error> {
        let path = self.partial.join("manifest.json");
        let json = serde_json::to_string_pretty(manifest)
            .map_err(|e| Error::Runtime(format!("cannot encode the manifest: {e}")))?;
        fs::write(&path, json + "\n").map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        let mut old = None;
        if self.target.exists() {
            if !self.replace {
                return Err(Error::OutputDir {
                    path: self.target.clone(),
                    problem: DirProblem::Appeared,
                });
            }
            let aside = self.partial.with_extension("old");
            fs::rename(&self.target, &aside).map_err(|source| Error::Output {
                path: self.target.clone(),
                source,
            })?;
            old = Some(aside);
        }
        fs::rename(&self.partial, &self.target).map_err(|source| Error::Output {
            path: self.target.clone(),
            source,
        })?;
        if let Some(aside) = old {
            fs::remove_dir_all(&aside).map_err(|source| Error::Output { path: aside, source })?;
        }
        let target = self.target.clone();
        std::mem::forget(self);
        Ok(target)
    }
}

impl Drop for RunDir {
    /// An unfinished run leaves nothing behind.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.partial);
    }
}

/// What `manifest.json` records.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Manifest {
    pub foramen_version: String,
    /// The command that made the directory (`run`, `sweep --param ...`).
    pub command: String,
    /// The whole command line as given, program name first: with the
    /// scenario.toml beside this manifest in place of the scenario, it
    /// makes the same tables again.
    pub argv: Vec<String>,
    pub scenario: String,
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub patients_per_policy: u64,
    pub policies: Vec<String>,
    pub horizon_days: f64,
    pub subgroups_by: Vec<String>,
    pub common_random_numbers: bool,
    pub threads: usize,
    /// Engine runs made: 1 for `run`, one per point or range end otherwise.
    pub runs: usize,
    pub started_utc: String,
    pub wall_time_seconds: f64,
    pub simulation_seconds: f64,
    pub patients_per_second: f64,
    /// Paths cut short by the step guard (relapse cycles of vanishing
    /// length), censored symptomatic; 0 in a sound scenario.
    pub stalled_paths: u64,
    /// The core that walked the paths: "scalar" (the per-patient walk) or
    /// "batched, 8 lanes (avx512)" (lanes and vector instructions);
    /// docs/performance.md says which scenarios the batched core covers.
    #[serde(default)]
    pub core: String,
    pub files: Vec<String>,
}

/// Hex SHA-256 of the scenario text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The default run directory: `output/<scenario>-<UTC time>`, with a
/// counter appended if that exists already.
pub fn default_dir(scenario: &str) -> PathBuf {
    let stamp = utc_stamp(SystemTime::now()).replace([':', '-'], "");
    let base = PathBuf::from("output").join(format!("{scenario}-{stamp}"));
    let mut dir = base.clone();
    let mut n = 2;
    while dir.exists() {
        dir = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    dir
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a time (proleptic Gregorian, UTC), whole
/// seconds, by `humantime`. A clock set before 1970 reads as the epoch and
/// one past the year 9999 as its last second, the range humantime formats.
pub fn utc_stamp(t: SystemTime) -> String {
    let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    humantime::format_rfc3339_seconds(t.clamp(UNIX_EPOCH, last)).to_string()
}

/// Writes `value` as JSON to `path`.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write_json(value: &impl Serialize, path: &Path) -> Result<(), Error> {
    let json =
        serde_json::to_string(value).map_err(|e| Error::Runtime(format!("cannot encode {}: {e}", path.display())))?;
    fs::write(path, json).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })
}

/// A shard's file that carries the SHA-256 of its own JSON (written with
/// its checksum empty), so that a merge can tell it was not changed.
pub trait Sealed: Serialize + serde::de::DeserializeOwned {
    /// The checksum field.
    fn checksum(&mut self) -> &mut String;

    /// The SHA-256 of the JSON of `self` with its checksum empty (the
    /// JSON is deterministic: fields in order, integers exact, floats in
    /// their shortest round-tripping form), hashed as it is written out,
    /// without holding a copy of it.
    fn digest(&mut self) -> Result<String, serde_json::Error> {
        let kept = std::mem::take(self.checksum());
        let mut hasher = Sha256::new();
        let written = serde_json::to_writer(&mut hasher, self);
        *self.checksum() = kept;
        written?;
        Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Writes `value` as JSON at `path` with its checksum.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write_sealed(value: &mut impl Sealed, path: &Path) -> Result<(), Error> {
    let digest = value
        .digest()
        .map_err(|e| Error::Runtime(format!("cannot encode {}: {e}", path.display())))?;
    *value.checksum() = digest;
    write_json(value, path)
}

/// Reads the JSON file at `path` as a `T` and checks its checksum.
///
/// # Errors
/// As [`read_json`]; [`Error::Syntax`] when the checksum is missing or
/// does not match (the file was changed or cut short after it was
/// written).
pub fn read_sealed<T: Sealed>(path: &Path, what: &str) -> Result<T, Error> {
    let mut value: T = read_json(path, what)?;
    let written = value.checksum().clone();
    let digest = value.digest().map_err(|e| Error::Syntax {
        file: path.display().to_string(),
        message: format!("not {what} ({e})"),
    })?;
    if written != digest {
        return Err(Error::Syntax {
            file: path.display().to_string(),
            message: format!(
                "its checksum ({}) does not match its content ({digest}): the file was changed after the shard wrote it; run the shard again",
                if written.is_empty() { "missing" } else { &written }
            ),
        });
    }
    Ok(value)
}

/// What `foramen diff` reads of a run directory's manifest.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct RunFacts {
    pub foramen_version: String,
    pub scenario: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub patients_per_policy: u64,
    pub horizon_days: f64,
}

/// The facts of the run directory `dir` (its manifest.json).
///
/// # Errors
/// As [`read_json`]: no manifest (not a finished run directory), or not one.
pub fn run_facts(dir: &Path) -> Result<RunFacts, Error> {
    read_json(&dir.join("manifest.json"), "a foramen run's manifest")
}

/// The most bytes a JSON file of a run (a manifest, a shard's partial
/// sums) may have.
pub const MAX_JSON_BYTES: u64 = 4 << 30;

/// Checks that `path` is a regular file of at most `cap` bytes before
/// anything reads it: a directory, a device (`/dev/zero`) or a pipe is
/// refused, as a file over the cap is, whatever size it reports.
///
/// # Errors
/// [`Error::Read`] naming the file, `what` it should be and why not.
pub fn readable(path: &Path, what: &str, cap: u64) -> Result<u64, Error> {
    let refuse = |kind: std::io::ErrorKind, problem: String| Error::Read {
        what: what.to_string(),
        file: path.display().to_string(),
        source: std::io::Error::new(kind, problem),
    };
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        what: what.to_string(),
        file: path.display().to_string(),
        source,
    })?;
    if meta.is_dir() {
        return Err(refuse(
            std::io::ErrorKind::IsADirectory,
            format!("it is a directory; give the {what} file"),
        ));
    }
    if !meta.is_file() {
        return Err(refuse(
            std::io::ErrorKind::InvalidInput,
            format!("it is not a regular file (a device or a pipe); give the {what} as a file"),
        ));
    }
    if meta.len() > cap {
        return Err(refuse(
            std::io::ErrorKind::FileTooLarge,
            format!("it has {} bytes; a {what} is at most {cap} bytes", meta.len()),
        ));
    }
    Ok(meta.len())
}

/// The bytes of the regular file `path` ([`readable`]), reading at most
/// `cap` of them even if the file grows meanwhile.
///
/// # Errors
/// As [`readable`], and read failures.
pub fn read_capped(path: &Path, what: &str, cap: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let len = readable(path, what, cap)?;
    let failed = |source| Error::Read {
        what: what.to_string(),
        file: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(cap + 1).read_to_end(&mut bytes).map_err(failed)?;
    if bytes.len() as u64 > cap {
        return Err(failed(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("it grew past {cap} bytes while being read"),
        )));
    }
    Ok(bytes)
}

/// Reads the JSON file at `path` as a `T`, `what` naming it in errors.
///
/// # Errors
/// [`Error::Read`]; [`Error::Syntax`] when it is not `what`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, Error> {
    let bytes = read_capped(path, what, MAX_JSON_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|e| Error::Syntax {
        file: path.display().to_string(),
        message: format!("not {what} (not UTF-8 text: {e})"),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Syntax {
        file: path.display().to_string(),
        message: format!("not {what} ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_stamp_is_civil_time() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(utc_stamp(t), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn utc_stamp_truncates_and_clamps() {
        let t = UNIX_EPOCH + Duration::new(1_795_000_000, 999_999_999);
        assert_eq!(utc_stamp(t), "2026-11-18T11:06:40Z");
        assert_eq!(
            utc_stamp(UNIX_EPOCH - Duration::from_secs(86_400)),
            "1970-01-01T00:00:00Z"
        );
        let far = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        assert_eq!(utc_stamp(far), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn sha256_of_empty_text() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn unfinished_runs_leave_nothing() {
        let root = std::env::temp_dir().join(format!("foramen-output-test-{}", std::process::id()));
        let target = root.join("run");
        {
            let dir = RunDir::create(&target, false).unwrap();
            fs::write(dir.path().join("summary.csv"), "x").unwrap();
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
        fs::remove_dir_all(&root).unwrap();
    }
}
