//! The `foramen` command: parse the command line, run, map errors to exit
//! codes (0 success, 1 failure at run time, 2 bad input or usage).

use std::process::ExitCode;

fn main() -> ExitCode {
    match foramen::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", foramen::report::terminal::safe(&e.to_string()));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
