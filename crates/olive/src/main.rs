//! The `olive` binary: a thin clap front over the store and the web server.

mod cli;
mod data;
mod demo;
mod serve;

use clap::Parser;

/// mimalloc instead of the system allocator (glibc malloc), for Rust and, through the `override`
/// feature, for SQLite's C code too; see BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OLIVE_LOG")
                .unwrap_or_else(|_| "olive=info,olive_web=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(args).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
