//! The command line: the subcommands (one module each under `commands/`) and the settings file.

use crate::commands::Command;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "olive",
    version,
    about = "Service recovery: turn defects into moments customers remember well"
)]
pub struct Cli {
    /// a TOML settings file: the OLIVE_* variables in lower case without OLIVE_ (public_url, smtp_host, …)
    /// and the flags (addr, data_dir, …); the environment and the command line win over it
    #[arg(long, global = true, env = "OLIVE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
