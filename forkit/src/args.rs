//! forkit's command line. wsd passes every setting explicitly (nothing through the environment);
//! under systemd the unit passes the same flags from the packaged defaults.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KitEntry {
    /// Start LibreOffice and serve documents (the product).
    Lok,
    /// Run sandbox probes in place of LibreOffice (test-only).
    Probe,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "oxool-forkit",
    version,
    about = "oxool's kit spawner (started by wsd or systemd)"
)]
pub struct Args {
    /// LibreOffice's program directory (holds libmergedlo.so).
    #[arg(long, default_value = "/usr/lib/libreoffice/program")]
    pub program_dir: PathBuf,
    /// The systemplate built by oxool-systemplate-setup.
    #[arg(long, default_value = "/var/lib/oxool/systemplate")]
    pub systemplate: PathBuf,
    /// Where kits mount their jails (one directory per jail id).
    #[arg(long, default_value = "/run/oxool-forkit/jails")]
    pub jails_root: PathBuf,
    /// The packaged, read-only seed profile (skips LibreOffice's first-start work in every kit).
    #[arg(long, default_value = "/usr/share/oxool/seed-profile")]
    pub seed_profile: PathBuf,
    /// A writable copy of the seed profile, made fresh at every start, used by preinit.
    #[arg(long, default_value = "/var/lib/oxool/preinit-profile")]
    pub profile_dir: PathBuf,
    /// How many jailed kits to keep ready.
    #[arg(long, default_value_t = 1)]
    pub prespawn: u32,
    #[arg(long, value_enum, default_value_t = KitEntry::Lok)]
    pub entry: KitEntry,
    /// RLIMIT_AS of a kit in MiB (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    pub limit_virt_mem_mb: u64,
    /// RLIMIT_FSIZE of a kit in MiB (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    pub limit_file_size_mb: u64,
    /// RLIMIT_NOFILE of a kit (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    pub limit_open_files: u64,
    /// RLIMIT_STACK of a kit in KiB (0 = unlimited).
    #[arg(long, default_value_t = 8000)]
    pub limit_stack_kb: u64,
    /// When mounts are impossible, build jails from hard links or copies (slow, loudly logged).
    #[arg(long)]
    pub allow_link_fallback: bool,
    /// Seconds a fresh kit may take to report `ready`.
    #[arg(long, default_value_t = 20)]
    pub spawn_timeout_secs: u64,
    /// Serve org.oxool.Forkit1 peer-to-peer on this inherited socket (wsd started us).
    #[arg(long, conflicts_with = "system_bus")]
    pub p2p_fd: Option<i32>,
    /// Serve org.oxool.Forkit1 on the system bus (systemd, D-Bus activation).
    #[arg(long)]
    pub system_bus: bool,
}
