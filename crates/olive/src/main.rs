//! The `olive` binary: read the command line and the settings once, start the logs, run the subcommand.

mod cli;
mod commands;
mod data;
mod db;
mod demo;
mod observe;
mod serve;
mod settings;

/// mimalloc instead of the system allocator (glibc malloc), for Rust and, through the `override`
/// feature, for SQLite's C code too; see BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let (cli, settings) = match settings::from_command_line() {
        Ok(read) => read,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    };
    if let Err(e) = observe::init_logs(&settings) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
    match commands::run(cli.command, settings).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
