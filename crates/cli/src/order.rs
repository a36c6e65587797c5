//! `polyagent order build --input FILE`: signs an order offline and prints what would be
//! sent. Sends nothing.
//!
//! The private key is read only from the `POLYAGENT_PRIVATE_KEY` environment variable:
//! a key on the command line would sit in shell history and in `ps` output, and a key in
//! the input file would invite committing it. Errors exit with code 2.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use polyagent_domain::secret::PrivateKey;

/// The environment variable holding the signing key (0x + 64 hex).
pub const KEY_VARIABLE: &str = "POLYAGENT_PRIVATE_KEY";

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Build and sign an order from a JSON input (the shared vectors' input shape) and
    /// print amounts, digest, signature and the exact POST body. Sends nothing. The key
    /// comes from the POLYAGENT_PRIVATE_KEY environment variable only.
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The order input JSON file (`-` reads standard input).
    #[arg(long)]
    input: PathBuf,
}

pub fn run(command: OrderCommand) -> ExitCode {
    match command {
        OrderCommand::Build(args) => match build(&args) {
            Ok(json) => {
                let mut out = std::io::stdout().lock();
                match writeln!(out, "{json}") {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                    Err(_) => ExitCode::FAILURE,
                }
            }
            Err(message) => {
                let _ = writeln!(std::io::stderr(), "polyagent order build: {message}");
                ExitCode::from(2)
            }
        },
    }
}

fn build(args: &BuildArgs) -> Result<String, String> {
    let key = read_key()?;
    let input = if args.input.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        text
    } else {
        std::fs::read_to_string(&args.input)
            .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?
    };
    refuse_key_in_input(&input)?;
    polyagent_venue::order_build::build_from_input(&input, &key)
        .map_err(|e| format!("invalid order input: {e}"))
}

fn read_key() -> Result<PrivateKey, String> {
    let text = std::env::var(KEY_VARIABLE).map_err(|_| {
        format!("set {KEY_VARIABLE} to the signing key (0x + 64 hex); keys are not accepted any other way")
    })?;
    PrivateKey::from_hex(text.trim())
        .map_err(|e| format!("{KEY_VARIABLE} is not a valid private key: {e}"))
}

/// Inputs must not carry keys: the one way in is the environment.
fn refuse_key_in_input(input: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(input).map_err(|e| format!("invalid order input: {e}"))?;
    let forbidden = ["private_key", "privateKey", "key", "signer_private_key"];
    if let Some(object) = value.as_object()
        && let Some(name) = forbidden.iter().find(|name| object.contains_key(**name))
    {
        return Err(format!(
            "the input contains `{name}`; give the key only through {KEY_VARIABLE}"
        ));
    }
    Ok(())
}
