//! wsd's configuration: one TOML file, `/etc/oxool/oxool.toml` unless `--config PATH` says otherwise.
//!
//! Every key has its default here (`#[serde(default)]`), and every table refuses unknown keys
//! (`deny_unknown_fields`), so a typo is an error naming the key instead of a silently ignored
//! setting. Nothing is read from environment variables: the file is the whole configuration.
//! `etc/oxool.toml` and `docs/config.md` document every key; keep the three in step.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

pub mod editing;
pub mod local_store;
pub mod wopi_hosts;

use wopi_hosts::WopiHostPattern;

/// Where the packaged configuration lives.
pub use oxool_settings::DEFAULT_CONFIG_PATH;

/// The configuration file's errors are the settings crate's: one definition for both processes.
pub use oxool_settings::SettingsError as ConfigError;

/// A refused value: its key and why, as every section's `validate` reports it.
pub type Invalid = (&'static str, String);

/// Refuses a 0 for `key`: counts, sizes and timeouts where 0 would mean nothing works.
pub(crate) fn at_least_one<T: PartialEq + From<u8>>(
    key: &'static str,
    value: T,
) -> Result<(), Invalid> {
    if value == T::from(0) {
        return Err((key, "must be at least 1".into()));
    }
    Ok(())
}

/// Refuses a value of `key` outside `range`; `why` says where the bounds come from.
pub(crate) fn within<T: PartialOrd + std::fmt::Display>(
    key: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
    why: &str,
) -> Result<(), Invalid> {
    if !range.contains(&value) {
        let (start, end) = (range.start(), range.end());
        return Err((key, format!("must be within {start}..={end} ({why})")));
    }
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub net: NetConfig,
    pub convert: ConvertConfig,
    pub kit: KitConfig,
    pub forkit: ForkitConfig,
    pub logging: LoggingConfig,
    pub storage: StorageConfig,
    pub local_store: local_store::LocalStoreConfig,
    pub editing: editing::EditingConfig,
    pub browser: editing::BrowserConfig,
    pub tls: crate::tls::TlsConfig,
    pub cluster: oxool_settings::cluster::ClusterSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetConfig {
    /// Address wsd binds when systemd does not hand it a socket.
    pub listen: SocketAddr,
    /// Client networks allowed to call `/cool/convert-to` (Collabora's `net.post_allow`).
    pub post_allow: Vec<AllowedNet>,
    /// A unix socket where wsd also serves its admin interface `org.oxool.Wsd1` peer-to-peer
    /// (for oxoolctl without a system bus). Unset: only the system bus, when `forkit.bus` is it.
    pub admin_socket: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConvertConfig {
    /// Conversions running at once; each one is a kit holding a LibreOffice instance.
    pub max_concurrent: usize,
    /// Requests waiting (FIFO) for a free slot; beyond it wsd answers 503 at once.
    pub queue_length: usize,
    /// Largest uploaded file, in MiB.
    pub max_upload_mb: u64,
    /// Deadline of one conversion once its kit is there (Collabora's `limit_convert_secs`).
    pub timeout_secs: u64,
    /// The `Retry-After` of a 503 when the queue is full.
    pub retry_after_secs: u64,
}

/// The `[kit]` section is defined once, in oxool-settings, because forkit reads it too.
pub use oxool_settings::{KitEntry, KitSettings as KitConfig};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForkitConfig {
    /// The forkit program wsd starts in standalone mode.
    pub binary: PathBuf,
    /// How wsd reaches forkit.
    pub bus: ForkitBus,
    /// Deadline for forkit to hand over one kit.
    pub spawn_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForkitBus {
    /// wsd starts forkit itself and talks D-Bus peer-to-peer over a socketpair.
    Standalone,
    /// forkit is a systemd service on the system bus (`org.oxool.Forkit1`).
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// A `tracing` filter: `info`, `debug`, or directives like `info,oxool_wsd=debug`.
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// WOPI hosts wsd may talk to (`scheme://host[:port]`, `*.domain`, port `*`); a WOPISrc
    /// elsewhere is refused before any request.
    pub wopi_hosts: Vec<WopiHostPattern>,
    /// Largest file GetFile accepts, in MiB.
    pub max_file_mb: u64,
    /// Deadline of one WOPI call (connecting, and each wait for data).
    pub timeout_secs: u64,
    /// Further attempts of an idempotent call after a 5xx, a timeout or a connection error.
    pub retries: u32,
    /// Extra CA certificates (PEM) trusted for HTTPS to storage, besides the system roots.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate from storage. Development only; logged loudly at start.
    pub insecure_skip_verify: bool,
    /// Where the WOPI proof keys live (generated on first start).
    pub proof_key_dir: PathBuf,
}

/// One `net.post_allow` entry: a CIDR network (`10.0.0.0/8`) or a single address (`::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedNet(pub ipnet::IpNet);

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9980)),
            post_allow: ["127.0.0.0/8", "::1/128"]
                .iter()
                .map(|net| net.parse().expect("built-in network"))
                .collect(),
            admin_socket: None,
        }
    }
}

impl Default for ConvertConfig {
    fn default() -> Self {
        ConvertConfig {
            max_concurrent: default_max_concurrent(),
            queue_length: 16,
            max_upload_mb: 100,
            timeout_secs: 100,
            retry_after_secs: 5,
        }
    }
}

impl Default for ForkitConfig {
    fn default() -> Self {
        ForkitConfig {
            binary: "/usr/libexec/oxool/oxool-forkit".into(),
            bus: ForkitBus::Standalone,
            spawn_timeout_secs: 20,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            wopi_hosts: Vec::new(),
            max_file_mb: 100,
            timeout_secs: 30,
            retries: 3,
            ca_file: None,
            insecure_skip_verify: false,
            proof_key_dir: oxool_proof::DEFAULT_DIR.into(),
        }
    }
}

impl StorageConfig {
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_mb.saturating_mul(1024 * 1024)
    }
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".into(),
        }
    }
}

/// One conversion per hardware thread: a conversion keeps one core busy.
fn default_max_concurrent() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

impl FromStr for AllowedNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(net) = text.parse::<ipnet::IpNet>() {
            // The canonical form (host bits cleared) so that logs show what is really matched.
            return Ok(AllowedNet(net.trunc()));
        }
        match text.parse::<IpAddr>() {
            Ok(addr) => Ok(AllowedNet(ipnet::IpNet::from(addr))),
            Err(_) => Err(format!(
                "{text:?} is not a CIDR network (like \"10.0.0.0/8\") or an IP address"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for AllowedNet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for AllowedNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl NetConfig {
    /// Whether `net.post_allow` lets this client call the conversion endpoints.
    pub fn post_allowed(&self, client: IpAddr) -> bool {
        // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; match them as IPv4.
        let client = client.to_canonical();
        self.post_allow.iter().any(|net| net.0.contains(&client))
    }
}

impl ConvertConfig {
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb * 1024 * 1024
    }
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Config::from_toml(&text, path)
    }

    /// Parses and checks `text`; `path` only names the file in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config
            .validate()
            .map_err(|(key, reason)| ConfigError::Invalid {
                path: path.to_path_buf(),
                key,
                reason,
            })?;
        Ok(config)
    }

    /// Cross-key and range checks that serde's types cannot express.
    fn validate(&self) -> Result<(), Invalid> {
        let convert = &self.convert;
        at_least_one("convert.max_concurrent", convert.max_concurrent)?;
        at_least_one("convert.timeout_secs", convert.timeout_secs)?;
        at_least_one("convert.max_upload_mb", convert.max_upload_mb)?;
        self.kit.validate()?;
        if convert.max_upload_mb > self.kit.max_document_mb {
            return Err((
                "convert.max_upload_mb",
                format!(
                    "{} exceeds kit.max_document_mb ({}): kits would refuse uploads wsd accepts",
                    convert.max_upload_mb, self.kit.max_document_mb
                ),
            ));
        }
        at_least_one("forkit.spawn_timeout_secs", self.forkit.spawn_timeout_secs)?;
        at_least_one("storage.max_file_mb", self.storage.max_file_mb)?;
        at_least_one("storage.timeout_secs", self.storage.timeout_secs)?;
        if self.storage.retries > 10 {
            return Err(("storage.retries", "must be at most 10".into()));
        }
        self.editing.validate()?;
        self.tls.validate()?;
        self.cluster.validate()?;
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.logging.level) {
            return Err((
                "logging.level",
                format!("{:?} is not a filter: {e}", self.logging.level),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("test.toml"))
    }

    #[test]
    fn empty_file_gives_the_documented_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.net.listen, "127.0.0.1:9980".parse().unwrap());
        assert!(config.net.post_allowed("127.0.0.1".parse().unwrap()));
        assert!(config.net.post_allowed("::1".parse().unwrap()));
        assert!(config.net.post_allowed("::ffff:127.0.0.2".parse().unwrap()));
        assert!(!config.net.post_allowed("10.0.0.1".parse().unwrap()));
        assert_eq!(config.net.admin_socket, None);
        assert!(config.convert.max_concurrent >= 1);
        assert_eq!(config.convert.queue_length, 16);
        assert_eq!(config.convert.max_upload_mb, 100);
        assert_eq!(config.convert.timeout_secs, 100);
        assert_eq!(config.convert.retry_after_secs, 5);
        assert_eq!(config.kit.entry, KitEntry::Lok);
        assert_eq!(config.kit.limit_stack_kb, 8000);
        assert!(config.kit.allow_link_fallback);
        assert_eq!(config.forkit.bus, ForkitBus::Standalone);
        assert_eq!(config.forkit.spawn_timeout_secs, 20);
        assert_eq!(config.logging.level, "info");
        assert_eq!(config.storage.max_file_bytes(), 100 * 1024 * 1024);
        assert_eq!(config.storage.timeout_secs, 30);
        assert_eq!(config.storage.retries, 3);
        assert_eq!(config.storage.ca_file, None);
        assert!(!config.storage.insecure_skip_verify);
        assert_eq!(
            config.storage.proof_key_dir,
            Path::new("/var/lib/oxool/proof")
        );
        // No WOPI host until one is configured: wsd must not talk to this machine's services
        // for whoever can reach it.
        assert!(config.storage.wopi_hosts.is_empty());
    }

    #[test]
    fn packaged_file_matches_the_code_defaults() {
        // etc/oxool.toml documents every key with its default value, commented out or not.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../etc/oxool.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let uncommented: String = text
            .lines()
            .map(|line| {
                line.strip_prefix("# ")
                    .filter(|l| is_setting(l))
                    .unwrap_or(line)
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let mut config = parse(&uncommented).unwrap();
        // The file writes the machine-dependent default as a number.
        config.convert.max_concurrent = default_max_concurrent();
        assert_eq!(config, Config::default());
    }

    fn is_setting(line: &str) -> bool {
        let key = line.split(" = ").next().unwrap_or("");
        line.contains(" = ") && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }

    #[test]
    fn full_file() {
        let config = parse(
            r#"
            [net]
            listen = "[::]:9000"
            post_allow = ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]
            admin_socket = "/run/oxool/admin.sock"
            [convert]
            max_concurrent = 3
            queue_length = 0
            max_upload_mb = 20
            timeout_secs = 30
            retry_after_secs = 2
            [kit]
            prespawn = 4
            program_dir = "/opt/lo/program"
            systemplate = "/srv/systemplate"
            jails_root = "/srv/jails"
            seed_profile = "/srv/seed"
            profile_dir = "/srv/profile"
            entry = "probe"
            limit_virt_mem_mb = 4096
            limit_file_size_mb = 50
            limit_open_files = 256
            limit_stack_kb = 4000
            allow_link_fallback = false
            max_document_mb = 64
            memory_max_mb = 2048
            pids_max = 100
            cpu_weight = 50
            tmp_size_mb = 128
            [forkit]
            binary = "/opt/oxool/oxool-forkit"
            bus = "system"
            spawn_timeout_secs = 5
            [logging]
            level = "debug,zbus=warn"
            [storage]
            wopi_hosts = ["https://*.example.com", "http://10.0.0.5:8080"]
            max_file_mb = 20
            timeout_secs = 5
            retries = 0
            ca_file = "/etc/oxool/storage-ca.pem"
            insecure_skip_verify = true
            proof_key_dir = "/srv/proof"
            "#,
        )
        .unwrap();
        assert_eq!(config.net.listen, "[::]:9000".parse().unwrap());
        assert!(config.net.post_allowed("10.1.2.3".parse().unwrap()));
        assert!(config.net.post_allowed("192.168.1.7".parse().unwrap()));
        assert!(!config.net.post_allowed("192.168.1.8".parse().unwrap()));
        assert!(config.net.post_allowed("fd12::1".parse().unwrap()));
        assert!(!config.net.post_allowed("127.0.0.1".parse().unwrap()));
        assert_eq!(
            config.net.admin_socket.as_deref(),
            Some(Path::new("/run/oxool/admin.sock"))
        );
        // Whole sections, so that every key the file sets is seen to reach its field.
        assert_eq!(
            config.convert,
            ConvertConfig {
                max_concurrent: 3,
                queue_length: 0,
                max_upload_mb: 20,
                timeout_secs: 30,
                retry_after_secs: 2,
            }
        );
        assert_eq!(config.convert.max_upload_bytes(), 20 * 1024 * 1024);
        assert_eq!(
            config.kit,
            KitConfig {
                prespawn: 4,
                program_dir: "/opt/lo/program".into(),
                systemplate: "/srv/systemplate".into(),
                jails_root: "/srv/jails".into(),
                seed_profile: "/srv/seed".into(),
                profile_dir: "/srv/profile".into(),
                entry: KitEntry::Probe,
                limit_virt_mem_mb: 4096,
                limit_file_size_mb: 50,
                limit_open_files: 256,
                limit_stack_kb: 4000,
                allow_link_fallback: false,
                max_document_mb: 64,
                memory_max_mb: 2048,
                pids_max: 100,
                cpu_weight: 50,
                tmp_size_mb: 128,
                ..KitConfig::default()
            }
        );
        assert_eq!(config.kit.max_document_bytes(), 64 * 1024 * 1024);
        assert_eq!(
            config.forkit,
            ForkitConfig {
                binary: "/opt/oxool/oxool-forkit".into(),
                bus: ForkitBus::System,
                spawn_timeout_secs: 5,
            }
        );
        assert_eq!(config.logging.level, "debug,zbus=warn");
        assert_eq!(
            config.storage,
            StorageConfig {
                wopi_hosts: vec![
                    "https://*.example.com".parse().unwrap(),
                    "http://10.0.0.5:8080".parse().unwrap(),
                ],
                max_file_mb: 20,
                timeout_secs: 5,
                retries: 0,
                ca_file: Some("/etc/oxool/storage-ca.pem".into()),
                insecure_skip_verify: true,
                proof_key_dir: "/srv/proof".into(),
            }
        );
        assert_eq!(config.storage.max_file_bytes(), 20 * 1024 * 1024);
    }

    /// Parses `text`, which must fail with an error that names every one of `words`.
    fn assert_error_names(text: &str, words: &[&str]) {
        let err = parse(text).unwrap_err().to_string();
        for word in words {
            assert!(err.contains(word), "{word} in {err}");
        }
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        assert_error_names(
            "[convert]\nmax_concurent = 3\n",
            &["test.toml", "max_concurent", "line 2"],
        );
        assert_error_names("[netw]\n", &["netw"]);
    }

    #[test]
    fn bad_cidr_is_an_error_naming_it() {
        assert_error_names(
            "[net]\npost_allow = [\"10.0.0.0/33\"]\n",
            &["10.0.0.0/33", "post_allow"],
        );
        assert!(parse("[net]\npost_allow = [\"localhost\"]\n").is_err());
    }

    #[test]
    fn wrong_type_and_enum_values_are_errors() {
        assert_error_names("[convert]\nqueue_length = \"16\"\n", &["queue_length"]);
        assert_error_names("[kit]\nentry = \"shell\"\n", &["shell"]);
        assert!(parse("[forkit]\nbus = \"session\"\n").is_err());
        assert_error_names(
            "[storage]\nwopi_hosts = [\"cloud.example.com\"]\n",
            &["cloud.example.com"],
        );
    }

    #[test]
    fn range_checks_name_the_key() {
        for (text, key) in [
            ("[convert]\nmax_concurrent = 0\n", "convert.max_concurrent"),
            ("[convert]\ntimeout_secs = 0\n", "convert.timeout_secs"),
            ("[convert]\nmax_upload_mb = 600\n", "convert.max_upload_mb"),
            ("[kit]\nmax_document_mb = 5000\n", "kit.max_document_mb"),
            (
                "[forkit]\nspawn_timeout_secs = 0\n",
                "forkit.spawn_timeout_secs",
            ),
            ("[logging]\nlevel = \"info,[\"\n", "logging.level"),
            ("[storage]\nmax_file_mb = 0\n", "storage.max_file_mb"),
            ("[storage]\ntimeout_secs = 0\n", "storage.timeout_secs"),
            ("[storage]\nretries = 11\n", "storage.retries"),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: found, .. }) => assert_eq!(found, key, "{text}"),
                other => panic!("{text}: expected an error on {key}, got {other:?}"),
            }
        }
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = Config::load(Path::new("/nonexistent/oxool.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/oxool.toml"), "{err}");
    }
}
