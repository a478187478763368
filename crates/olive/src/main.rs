//! The `olive` binary: a thin clap front over the store and the web server.

mod cli;
mod data;
mod demo;
mod observe;
mod serve;

use clap::Parser;

/// mimalloc instead of the system allocator (glibc malloc), for Rust and, through the `override`
/// feature, for SQLite's C code too; see BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let args = cli::Cli::parse();
    if let Err(e) = observe::init_logs() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
    match cli::run(args).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
