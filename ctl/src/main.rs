//! oxoolctl: administer a running oxool-wsd over its D-Bus interface `org.oxool.Wsd1`, and
//! create the WOPI proof key at installation (the one command that needs no wsd).
//!
//! Exit status: 0 success, 1 wsd not running or the request refused, 2 usage error (clap).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod show;
mod wsd1;

use wsd1::{explain, ClientError, Wsd1Proxy};

// `--help` and `--version` take the name, version and description from Cargo.toml.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Talk to wsd peer-to-peer at this D-Bus address (its `net.admin_socket`), for example
    /// `unix:path=/run/oxool/admin.sock`, instead of `org.oxool.Wsd1` on the system bus.
    #[arg(long, value_name = "ADDRESS", global = true)]
    address: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Wsd(WsdCommand),
    /// Create the WOPI proof key if there is none (needs no running wsd).
    GenerateProofKey {
        /// The proof key directory (wsd's `storage.proof_key_dir`).
        #[arg(long, value_name = "DIR", default_value_os_t = default_proof_key_dir())]
        dir: PathBuf,
    },
}

/// The commands that are calls to wsd.
#[derive(Debug, Subcommand)]
enum WsdCommand {
    /// Version, uptime, documents, sessions, conversions and kits.
    Status,
    /// The open documents: key, WOPI host, sessions.
    Documents,
    /// The editing sessions: id, document key, user name.
    Sessions,
    /// Checkpoints of documents whose edits storage does not have yet, and their state.
    Recoveries,
    /// forkit's kit counters (spawned, ready in the pool, exited, crashed, timings).
    Kits,
    /// Save the document KEY to its WOPI host, then close it.
    Close { key: String },
    /// Take no new documents (the health check fails, a load balancer sends them to other
    /// servers); open documents carry on until closed or until wsd stops (which stores them).
    Drain {
        /// Also store and close every open document now: its users reconnect, through the
        /// balancer, to the server that opens it next.
        #[arg(long)]
        close: bool,
    },
    /// End a drain: take new documents again.
    Resume,
    /// End the kit PID at once, without saving.
    KillKit { pid: u32 },
    /// Re-read and check the configuration file, as `systemctl reload oxool-wsd` does.
    Reload,
    /// Make a new WOPI proof key; the current one becomes the old one.
    RotateProofKeys,
}

fn default_proof_key_dir() -> PathBuf {
    PathBuf::from(oxool_proof::DEFAULT_DIR)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("oxoolctl: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The text to print on success, or the one error to report.
fn run(args: Args) -> Result<String, Box<dyn std::error::Error>> {
    let command = match args.command {
        Command::GenerateProofKey { dir } => return generate_proof_key(&dir),
        Command::Wsd(command) => command,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let output = runtime.block_on(async {
        let wsd = wsd1::connect(args.address.as_deref()).await?;
        call(&wsd, &command).await
    })?;
    Ok(output)
}

async fn call(wsd: &Wsd1Proxy<'_>, command: &WsdCommand) -> Result<String, ClientError> {
    Ok(match command {
        WsdCommand::Status => show::status(&wsd.status().await.map_err(explain)?),
        WsdCommand::Documents => show::table_of(
            &["KEY", "WOPI HOST", "SESSIONS"],
            wsd.list_documents().await.map_err(explain)?,
            |(key, host, sessions)| vec![key, host, sessions.to_string()],
            "no open documents",
        ),
        WsdCommand::Sessions => show::table_of(
            &["SESSION", "DOCUMENT", "USER"],
            wsd.list_sessions().await.map_err(explain)?,
            |(id, key, user)| vec![id, key, user],
            "no sessions",
        ),
        WsdCommand::Recoveries => show::table_of(
            &[
                "STATE",
                "FILE",
                "GENERATION",
                "WRITTEN (UNIX S)",
                "ATTEMPTS",
                "LAST ERROR",
                "DOCUMENT",
            ],
            wsd.list_recoveries().await.map_err(explain)?,
            |(state, file, key, generation, written, attempts, error)| {
                vec![
                    state,
                    file,
                    generation.to_string(),
                    written.to_string(),
                    attempts.to_string(),
                    error,
                    key,
                ]
            },
            "no checkpoints",
        ),
        WsdCommand::Kits => show::counters(&wsd.list_kits().await.map_err(explain)?),
        WsdCommand::Close { key } => {
            wsd.close_document(key).await.map_err(explain)?;
            format!("saved and closed {key}\n")
        }
        WsdCommand::KillKit { pid } => {
            wsd.kill_kit(*pid).await.map_err(explain)?;
            format!("sent SIGKILL to kit {pid}\n")
        }
        WsdCommand::Drain { close } => {
            let mut said = if wsd.drain().await.map_err(explain)? {
                "draining: no new documents\n".to_string()
            } else {
                "already draining\n".to_string()
            };
            if *close {
                said.push_str(&close_every_document(wsd).await?);
            } else {
                said.push_str("open documents carry on until closed or until wsd stops\n");
            }
            said
        }
        WsdCommand::Resume => {
            if wsd.resume().await.map_err(explain)? {
                "taking new documents again\n".into()
            } else {
                "was not draining\n".into()
            }
        }
        WsdCommand::Reload => {
            wsd.reload().await.map_err(explain)?;
            "the configuration is valid; settings that changed apply when wsd restarts\n".into()
        }
        WsdCommand::RotateProofKeys => {
            wsd.rotate_proof_keys().await.map_err(explain)?;
            "new WOPI proof key in use; the previous one is published as the old key\n".into()
        }
    })
}

/// `drain --close`: stores and closes each open document (`closed-by-admin`: its users
/// reconnect). One that closed by itself meanwhile is not an error.
async fn close_every_document(wsd: &Wsd1Proxy<'_>) -> Result<String, ClientError> {
    let documents = wsd.list_documents().await.map_err(explain)?;
    let mut closed = 0;
    for (key, _, _) in &documents {
        match wsd.close_document(key).await.map_err(explain) {
            Ok(()) => closed += 1,
            Err(ClientError::Refused(text)) if text.starts_with("no such document") => {}
            Err(error) => return Err(error),
        }
    }
    Ok(format!("stored and closed {closed} documents\n"))
}

/// Creates the proof key in `dir` (mode 0700 directory, 0600 key, owned by whoever runs this;
/// the packages run it as the user oxool), or leaves an existing one alone.
fn generate_proof_key(dir: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
    oxool_proof::ProofKeys::open(dir)?;
    Ok(format!("WOPI proof key ready in {}\n", dir.display()))
}
