//! `oxool-systemplate-setup <dest> [--refresh]`: builds (or refreshes) the kit systemplate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Builds the systemplate a kit's jail shows at `/` (etc/passwd, time zone, fontconfig, ...).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Where the template lives, e.g. /var/lib/oxool/systemplate.
    dest: PathBuf,
    /// Only re-copy the files that follow the host (time zone, fontconfig) if they changed.
    #[arg(long)]
    refresh: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let dest = match std::path::absolute(&args.dest) {
        Ok(dest) => dest,
        Err(err) => {
            eprintln!("oxool-systemplate-setup: {}: {err}", args.dest.display());
            return ExitCode::FAILURE;
        }
    };
    let result = if args.refresh {
        oxool_systemplate::refresh_dynamic(&dest).map(|changed| {
            let what = if changed {
                "refreshed"
            } else {
                "already up to date"
            };
            println!("{}: {what}", dest.display());
        })
    } else {
        oxool_systemplate::setup(&dest).map(|()| println!("{}: built", dest.display()))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("oxool-systemplate-setup: {err}");
            ExitCode::FAILURE
        }
    }
}
