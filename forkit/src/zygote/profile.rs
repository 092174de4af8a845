//! The preinit profile: LibreOffice's user profile that `lok_preinit_2` works in.
//!
//! Every kit inherits the configuration preinit read. If the profile does not say which version
//! last ran, each kit repeats LibreOffice's first-start work (a graphics self-test, 1.2–2.4 s); a
//! jailed kit cannot persist the answer, so it would pay that on every document. We therefore
//! seed the profile with `ooSetupLastVersion` (read from the installed LibreOffice) and
//! `FirstRun=false`. Preinit rewrites the file, so it always works on a fresh writable copy.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const REGISTRY_FILE: &str = "user/registrymodifications.xcu";

/// Makes `profile_dir` a fresh profile: a copy of `seed` when that directory exists, else a
/// generated seed for the LibreOffice installed under `program_dir`. Returns its `file://` URL.
pub fn prepare(program_dir: &Path, seed: &Path, profile_dir: &Path) -> io::Result<String> {
    if profile_dir.exists() {
        fs::remove_dir_all(profile_dir)?;
    }
    fs::create_dir_all(profile_dir.join("user"))?;
    let seeded = seed.join(REGISTRY_FILE);
    let registry = if seeded.is_file() {
        fs::read_to_string(seeded)?
    } else {
        let version = installed_version(program_dir).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no LibreOffice version found under {}",
                    program_dir.display()
                ),
            )
        })?;
        seed_registry(&version)
    };
    fs::write(profile_dir.join(REGISTRY_FILE), registry)?;
    Ok(format!("file://{}", profile_dir.display()))
}

/// The `major.minor` version LibreOffice records as `ooSetupVersion` in its main registry.
pub fn installed_version(program_dir: &Path) -> Option<String> {
    let install = program_dir.parent()?;
    let main_xcd: PathBuf = install.join("share/registry/main.xcd");
    let text = fs::read_to_string(main_xcd).ok()?;
    let after = text.split("oor:name=\"ooSetupVersion\">").nth(1)?;
    let value = after.trim_start().strip_prefix("<value>")?;
    let version = value.split('<').next()?.trim();
    (!version.is_empty()).then(|| version.to_string())
}

fn seed_registry(version: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>{version}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_seed_names_the_installed_version() {
        let install = tempfile_dir();
        fs::create_dir_all(install.join("share/registry")).unwrap();
        fs::create_dir_all(install.join("program")).unwrap();
        fs::write(
            install.join("share/registry/main.xcd"),
            "<prop oor:name=\"ooSetupVersion\">\n   <value>7.4</value>\n</prop>",
        )
        .unwrap();
        let profile = install.join("profile");
        let url = prepare(&install.join("program"), &install.join("none"), &profile).unwrap();
        assert!(url.starts_with("file:///"));
        let text = fs::read_to_string(profile.join(REGISTRY_FILE)).unwrap();
        assert!(text.contains("<value>7.4</value>"));
        assert!(text.contains("FirstRun"));
        fs::remove_dir_all(install).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("oxool-profile-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}
