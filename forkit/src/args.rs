//! forkit's command line. The kit settings come from the `[kit]` section of the configuration
//! file (`--config`, oxool-settings defines it once for wsd and forkit); the path and pool flags
//! below only override single keys of it and have no defaults of their own.

use std::path::PathBuf;

use clap::Parser;
use oxool_settings::{KitEntry, KitSettings, SettingsError};

// `--help` and `--version` take the name, version and description from Cargo.toml.
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Args {
    /// The configuration file whose [kit] section forkit reads (a missing file = the defaults).
    #[arg(long, default_value = oxool_settings::DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
    /// Overrides kit.program_dir: LibreOffice's program directory (holds libmergedlo.so).
    #[arg(long)]
    pub program_dir: Option<PathBuf>,
    /// Overrides kit.systemplate: the tree built by oxool-systemplate-setup.
    #[arg(long)]
    pub systemplate: Option<PathBuf>,
    /// Overrides kit.jails_root: where kits mount their jails (one directory per jail id).
    #[arg(long)]
    pub jails_root: Option<PathBuf>,
    /// Overrides kit.seed_profile: the packaged, read-only seed profile.
    #[arg(long)]
    pub seed_profile: Option<PathBuf>,
    /// Overrides kit.profile_dir: the writable copy of the seed profile used by preinit.
    #[arg(long)]
    pub profile_dir: Option<PathBuf>,
    /// Overrides kit.prespawn: how many jailed kits to keep ready.
    #[arg(long)]
    pub prespawn: Option<u32>,
    /// Overrides kit.entry (`lok`, or `probe` for tests).
    #[arg(long, value_parser = parse_entry)]
    pub entry: Option<KitEntry>,
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

fn parse_entry(text: &str) -> Result<KitEntry, String> {
    match text {
        "lok" => Ok(KitEntry::Lok),
        "probe" => Ok(KitEntry::Probe),
        other => Err(format!("{other:?} is not lok or probe")),
    }
}

impl Args {
    /// The `[kit]` settings: the file's, then the overrides given on the command line.
    pub fn kit_settings(&self) -> Result<KitSettings, SettingsError> {
        let mut kit = KitSettings::load(&self.config)?;
        let paths = [
            (&self.program_dir, &mut kit.program_dir),
            (&self.systemplate, &mut kit.systemplate),
            (&self.jails_root, &mut kit.jails_root),
            (&self.seed_profile, &mut kit.seed_profile),
            (&self.profile_dir, &mut kit.profile_dir),
        ];
        for (flag, key) in paths {
            if let Some(path) = flag {
                key.clone_from(path);
            }
        }
        if let Some(prespawn) = self.prespawn {
            kit.prespawn = prespawn;
        }
        if let Some(entry) = self.entry {
            kit.entry = entry;
        }
        Ok(kit)
    }
}
