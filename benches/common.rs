//! What the benchmarks share (each includes this file with `#[path]`; they are separate
//! crates with `harness = false`).

use std::future::Future;
use std::process::ExitCode;

/// Runs a benchmark's async `main` on a 2-worker runtime (the machine has 2 cores) and turns
/// its error into a message and a failing exit code.
pub fn run(main: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(main) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
