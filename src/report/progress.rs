//! Progress and interruption: the only indicatif and ctrlc code.
//!
//! A run longer than about a second shows a bar with rate and ETA on
//! stderr, unless stderr is not a terminal or `--quiet` is given. Ctrl-C
//! asks the workers to stop after their current chunk; the run then fails
//! with [`crate::Error::Interrupted`] and leaves no run directory behind. A
//! second Ctrl-C exits at once.

use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::simulate::engine::Observer;

/// Set by the Ctrl-C handler.
fn interrupted() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = Arc::clone(&flag);
        // If a handler cannot be installed (one exists already), Ctrl-C
        // keeps its default effect; nothing else depends on it.
        let _ = ctrlc::set_handler(move || {
            if handler_flag.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping workers and removing the unfinished run (Ctrl-C again to quit at once)");
        });
        flag
    })
}

/// A rate in whole patient-paths per second with thousands separators
/// (indicatif's `{per_sec}` prints four decimals: "2,339,988.9497/s").
fn rate(per_sec: f64) -> String {
    format!("{}/s", HumanCount(per_sec.max(0.0).round() as u64))
}

/// Observes a run for the terminal: a progress bar and Ctrl-C.
pub struct Terminal {
    bar: ProgressBar,
    started: Instant,
    visible: bool,
    shown: AtomicBool,
    flag: Arc<AtomicBool>,
}

impl Terminal {
    /// A bar over `total` patient-paths; shown only when `visible` and
    /// stderr is a terminal, and only once the run has lasted a second.
    pub fn new(total: u64, visible: bool) -> Terminal {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40.cyan/blue} {percent:>3}%  {human_pos}/{human_len} patient-paths  {rate}  ETA {eta}",
        ) {
            bar.set_style(style.with_key("rate", |state: &ProgressState, w: &mut dyn fmt::Write| {
                let _ = w.write_str(&rate(state.per_sec()));
            }));
        }
        Terminal {
            bar,
            started: Instant::now(),
            visible: visible && std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
            flag: Arc::clone(interrupted()),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Terminal {
    fn done(&self, paths: u64) {
        self.bar.inc(paths);
        if self.visible && self.started.elapsed() > Duration::from_secs(1) && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rate_is_whole_paths_per_second() {
        assert_eq!(super::rate(2_339_988.949_7), "2,339,989/s");
        assert_eq!(super::rate(0.0), "0/s");
    }
}
