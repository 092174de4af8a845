//! The settings that more than one oxool process reads, defined once.
//!
//! The `[kit]` section of `oxool.toml` says what a kit is and what it may consume. wsd reads it
//! (as part of its whole configuration) and so does forkit (`--config PATH`, only this section),
//! so the two can never disagree on a default again: both take them from [`KitSettings::default`].
//! `etc/oxool.toml` and `docs/config.md` document every key; tests keep the three in step.

pub mod cluster;
pub mod languages;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the packaged configuration lives.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/oxool/oxool.toml";

/// The biggest document a kit frame can carry: the frame's payload length is a u32.
pub const MAX_FRAME_MB: u64 = (u32::MAX as u64) / (1024 * 1024);

/// The range of a cgroup v2 `cpu.weight` (v1 `cpu.shares` is derived from it).
pub const CPU_WEIGHT_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000;

/// The `[kit]` section: what forkit's kits are and what each may consume.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct KitSettings {
    /// Kits forkit keeps jailed and ready, so a request does not wait for a fork: the pool's
    /// size without demand, and its least size when `prespawn_adaptive` grows it.
    pub prespawn: u32,
    /// Grow the pool above `prespawn` from recent demand (takes per second × refill latency).
    pub prespawn_adaptive: bool,
    /// The memory the waiting kits of a grown pool may take, in MiB, counted at the PSS of an
    /// idle kit (27 MiB): the pool's ceiling (never below `prespawn`).
    pub prespawn_memory_mb: u64,
    /// LibreOffice's `program` directory (holds `libmergedlo.so`).
    pub program_dir: PathBuf,
    /// The read-only tree mounted as a kit's `/`.
    pub systemplate: PathBuf,
    /// Where the per-kit jails are created.
    pub jails_root: PathBuf,
    /// The packaged LibreOffice user profile forkit starts from.
    pub seed_profile: PathBuf,
    /// forkit's writable copy of the profile, used by `lok_preinit`.
    pub profile_dir: PathBuf,
    /// What a kit runs once jailed.
    pub entry: KitEntry,
    /// `RLIMIT_AS` in MiB; 0 = unlimited (or `memory_max_mb` when no cgroup can be used).
    pub limit_virt_mem_mb: u64,
    /// `RLIMIT_FSIZE` in MiB; 0 = unlimited.
    pub limit_file_size_mb: u64,
    /// `RLIMIT_NOFILE`; 0 = unlimited.
    pub limit_open_files: u64,
    /// `RLIMIT_STACK` in KiB; 0 = unlimited.
    pub limit_stack_kb: u64,
    /// Build jails from hard links (then copies) when bind mounts are impossible.
    pub allow_link_fallback: bool,
    /// Largest document a kit accepts or produces, in MiB (bounds the frames on its socket).
    pub max_document_mb: u64,
    /// The memory of one kit's cgroup (`memory.max`; its `/tmp` counts too), in MiB; no swap.
    /// 0 = unlimited.
    pub memory_max_mb: u64,
    /// Tasks (processes and threads) in one kit's cgroup (`pids.max`); 0 = unlimited.
    pub pids_max: u64,
    /// CPU weight of one kit's cgroup against the others (`cpu.weight`, 1 to 10000).
    pub cpu_weight: u32,
    /// Make the group of all kits idle-class (`cpu.idle = 1`, Linux 5.15): the processes beside
    /// it (forkit itself; in cgroup v1 or the v2 root, everything in forkit's cgroup) always run
    /// first when they wake, so making and starting kits never delays a hand-out.
    pub cpu_idle: bool,
    /// Size of a kit's writable `/tmp` (a tmpfs, so counted in `memory_max_mb`), in MiB.
    pub tmp_size_mb: u64,
    /// The languages LibreOffice offers and checks spelling in (`LOK_ALLOWLIST_LANGUAGES`), as
    /// BCP 47 tags; each needs its hunspell dictionary installed. Empty: no language support.
    pub languages: Vec<String>,
    /// Back forkit's preinitialised memory with huge pages (`MADV_COLLAPSE`, Linux 6.1) so that
    /// forking a kit copies few page-table entries; ignored where the kernel cannot.
    pub huge_pages: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KitEntry {
    /// LibreOfficeKit: the production kit.
    Lok,
    /// Sandbox probes instead of LibreOffice. Test-only: a probe kit converts nothing.
    Probe,
}

impl Default for KitSettings {
    fn default() -> Self {
        KitSettings {
            prespawn: 1,
            prespawn_adaptive: true,
            prespawn_memory_mb: 256,
            program_dir: "/usr/lib/libreoffice/program".into(),
            systemplate: "/var/lib/oxool/systemplate".into(),
            jails_root: "/run/oxool-forkit/jails".into(),
            seed_profile: "/usr/share/oxool/seed-profile".into(),
            profile_dir: "/run/oxool-forkit/preinit-profile".into(),
            entry: KitEntry::Lok,
            limit_virt_mem_mb: 0,
            limit_file_size_mb: 1024,
            limit_open_files: 1024,
            limit_stack_kb: 8000,
            allow_link_fallback: true,
            max_document_mb: 500,
            memory_max_mb: 1024,
            pids_max: 256,
            cpu_weight: 100,
            cpu_idle: false,
            tmp_size_mb: 512,
            languages: languages::default_languages(),
            huge_pages: true,
        }
    }
}

impl KitSettings {
    pub fn max_document_bytes(&self) -> u32 {
        // `validate` keeps max_document_mb within a frame, so this never saturates in practice.
        u32::try_from(self.max_document_mb * 1024 * 1024).unwrap_or(u32::MAX)
    }

    /// Range checks that serde's types cannot express: `(key, reason)` of the first failure.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.max_document_mb == 0 || self.max_document_mb > MAX_FRAME_MB {
            return Err((
                "kit.max_document_mb",
                format!("must be within 1..={MAX_FRAME_MB}"),
            ));
        }
        if !CPU_WEIGHT_RANGE.contains(&self.cpu_weight) {
            return Err((
                "kit.cpu_weight",
                format!(
                    "must be within {}..={}",
                    CPU_WEIGHT_RANGE.start(),
                    CPU_WEIGHT_RANGE.end()
                ),
            ));
        }
        // tmpfs reads size=0 as "no limit": an unbounded /tmp is never what 0 should mean here.
        if self.tmp_size_mb == 0 {
            return Err(("kit.tmp_size_mb", "must be at least 1".into()));
        }
        if let Some(bad) = self
            .languages
            .iter()
            .find(|tag| !languages::is_language_tag(tag))
        {
            return Err((
                "kit.languages",
                format!("{bad:?} is not a language tag such as \"de\" or \"pt-BR\""),
            ));
        }
        Ok(())
    }

    /// This section alone as TOML (`[kit]` and its keys): what wsd hands the forkit it starts.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Only<'a> {
            kit: &'a KitSettings,
        }
        toml::to_string(&Only { kit: self }).expect("the kit settings serialise to TOML")
    }

    /// forkit's view of the configuration file: the `[kit]` section, checked, with every other
    /// section left to wsd (which reads and checks the whole file). A missing file is the
    /// defaults, as an empty file would be; an unreadable one is an error.
    pub fn load(path: &Path) -> Result<KitSettings, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => {
                return Err(SettingsError::Read {
                    path: path.to_path_buf(),
                    error,
                })
            }
        };
        KitSettings::from_toml(&text, path)
    }

    /// Parses the `[kit]` section of a whole configuration file; `path` only names it in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<KitSettings, SettingsError> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            kit: KitSettings,
        }
        let file: File = toml::from_str(text).map_err(|e| SettingsError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        file.kit
            .validate()
            .map_err(|(key, reason)| SettingsError::Invalid {
                path: path.to_path_buf(),
                key,
                reason,
            })?;
        Ok(file.kit)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the configuration file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid configuration file {path}: key `{key}`: {reason}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn repo_file(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn missing_file_is_the_defaults() {
        let settings = KitSettings::load(Path::new("/nonexistent/oxool.toml")).unwrap();
        assert_eq!(settings, KitSettings::default());
    }

    #[test]
    fn other_sections_are_left_alone_and_kit_keys_are_checked() {
        let text =
            "[net]\nlisten = \"[::]:1\"\n[kit]\nmemory_max_mb = 64\n[editing]\nwhatever = 1\n";
        let settings = KitSettings::from_toml(text, Path::new("x.toml")).unwrap();
        assert_eq!(settings.memory_max_mb, 64);
        assert_eq!(settings.pids_max, KitSettings::default().pids_max);
        let err = KitSettings::from_toml("[kit]\nmemory_max = 1\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("memory_max") && err.contains("x.toml"),
            "{err}"
        );
        for (text, key) in [
            ("[kit]\ncpu_weight = 0\n", "kit.cpu_weight"),
            ("[kit]\ncpu_weight = 10001\n", "kit.cpu_weight"),
            ("[kit]\ntmp_size_mb = 0\n", "kit.tmp_size_mb"),
            ("[kit]\nmax_document_mb = 0\n", "kit.max_document_mb"),
            ("[kit]\nlanguages = [\"de_DE\"]\n", "kit.languages"),
        ] {
            match KitSettings::from_toml(text, Path::new("x.toml")) {
                Err(SettingsError::Invalid { key: found, .. }) => assert_eq!(found, key),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn what_wsd_hands_forkit_reads_back_the_same() {
        let mut settings = KitSettings {
            entry: KitEntry::Probe,
            memory_max_mb: 77,
            ..KitSettings::default()
        };
        settings.jails_root = "/srv/jails with space".into();
        let text = settings.to_toml();
        assert_eq!(
            KitSettings::from_toml(&text, Path::new("-")).unwrap(),
            settings
        );
    }

    /// The text after the first `start`, up to the next `end` (a section of a document).
    fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
        text.split(start).nth(1).and_then(|s| s.split(end).next())
    }

    /// docs/config.md has one table row per `[kit]` key with its default, and etc/oxool.toml
    /// shows each key with its default: both must name exactly the keys and values of the code.
    #[test]
    fn the_documentation_shows_every_key_with_its_default() {
        let defaults = toml::Value::try_from(KitSettings::default()).unwrap();
        let defaults = defaults.as_table().unwrap();
        let docs = repo_file("docs/config.md");
        let section =
            between(&docs, "\n## `[kit]`", "\n## ").expect("docs/config.md has a [kit] section");
        let packaged = repo_file("etc/oxool.toml");
        let kit_part =
            between(&packaged, "\n[kit]\n", "\n[").expect("etc/oxool.toml has a [kit] section");
        for (key, value) in defaults {
            let shown = match value {
                toml::Value::String(s) => format!("\"{s}\""),
                other => other.to_string(),
            };
            let row = format!("| `{key}` | `{shown}` |");
            assert!(section.contains(&row), "docs/config.md lacks the row {row}");
            let line = format!("# {key} = {shown}\n");
            assert!(kit_part.contains(&line), "etc/oxool.toml lacks {line:?}");
        }
    }
}
