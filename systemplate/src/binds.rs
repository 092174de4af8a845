//! The one list of host paths a kit sees read-only, at the same absolute path as on the host.
//!
//! The list is what a kit needs *after* the zygote preinitialised LibreOffice: every UNO library is
//! already mapped, so the jail needs no `/lib`, no `ld.so.cache`, no `/etc/libreoffice`. What is
//! still opened lazily is listed here, each with the reason (measured by removing one path at a
//! time and re-running load, tiles, typing and every save format).

use std::fs;
use std::path::{Path, PathBuf};

/// Host paths a kit needs, whatever the distribution; only the existing ones are returned.
const FIXED_PATHS: &[&str] = &[
    // The install itself, at the path preinit fixed its bootstrap variables to.
    "/usr/lib/libreoffice",
    // Fedora/openSUSE install LibreOffice here instead.
    "/usr/lib64/libreoffice",
    // FreeType opens font files lazily; without them documents render without glyphs or crash.
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    // Spell checking: hunspell dictionaries (Fedora < 36: myspell), hyphenation patterns and
    // thesauri. Preinit already loaded the allowed languages' dictionaries; whatever
    // LibreOffice still opens lazily must be at the path preinit found it.
    "/usr/share/hunspell",
    "/usr/share/myspell",
    "/usr/share/hyphen",
    "/usr/share/mythes",
    // NSS (PDF export) reads random bytes from here; no other device is shown.
    "/dev/urandom",
    // liblangtag reads its locale data lazily; without it, only noise on stderr.
    "/usr/share/liblangtag",
    // Time zone rules for dates in documents (etc/localtime in the systemplate points into it).
    "/usr/share/zoneinfo",
];

/// Libraries NSS `dlopen`s during PDF export (not mapped at preinit). If one is missing,
/// `saveAs(pdf)` fails without a message, so they are resolved at run time in the distribution's
/// library directory.
const PDF_EXPORT_LIBRARIES: &[&str] = &[
    "libsoftokn3.so",
    "libfreeblpriv3.so",
    "libnssckbi.so",
    "libsqlite3.so.0",
];

/// The read-only host paths a kit's jail shows, in bind order. Only existing paths are returned.
pub fn default_ro_binds() -> Vec<PathBuf> {
    let mut binds: Vec<PathBuf> = FIXED_PATHS
        .iter()
        .map(PathBuf::from)
        .filter(|path| path.symlink_metadata().is_ok())
        .collect();
    let library_dirs = library_dirs();
    for library in PDF_EXPORT_LIBRARIES {
        let Some(found) = library_dirs
            .iter()
            .map(|dir| dir.join(library))
            .find(|p| p.exists())
        else {
            continue;
        };
        // A symlink is recreated in the jail, so every link of its chain must be shown too.
        for link in symlink_chain_in_same_dir(&found) {
            push_unique(&mut binds, link);
        }
    }
    binds
}

/// The directories the dynamic loader searches for system libraries: the multiarch directories
/// (`/usr/lib/<triplet>`, found by looking, so any architecture works), then the lib64/lib ones.
fn library_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir("/usr/lib")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_name().to_string_lossy().contains("-linux-"))
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.push(PathBuf::from("/usr/lib64"));
    dirs.push(PathBuf::from("/usr/lib"));
    dirs
}

/// `path` followed by the chain of symlink targets that are plain names in the same directory
/// (the usual `.so.0 → .so.0.8.6`). A chain longer than a few links is cut (a loop, not a library).
fn symlink_chain_in_same_dir(path: &Path) -> Vec<PathBuf> {
    let mut chain = vec![path.to_path_buf()];
    while chain.len() < 8 {
        let last = chain.last().expect("never empty");
        let Ok(target) = fs::read_link(last) else {
            break;
        };
        let (Some(dir), 1) = (last.parent(), target.components().count()) else {
            break;
        };
        let next = dir.join(target);
        if !next.exists() || chain.contains(&next) {
            break;
        }
        chain.push(next);
    }
    chain
}

fn push_unique(binds: &mut Vec<PathBuf>, path: PathBuf) {
    if !binds.contains(&path) {
        binds.push(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_existing_absolute_paths_are_returned() {
        let binds = default_ro_binds();
        for path in &binds {
            assert!(path.is_absolute(), "{path:?}");
            assert!(path.symlink_metadata().is_ok(), "{path:?} does not exist");
        }
        let mut unique = binds.clone();
        unique.dedup();
        assert_eq!(unique.len(), binds.len());
    }

    #[test]
    fn libreoffice_and_the_pdf_libraries_are_found_when_installed() {
        let binds = default_ro_binds();
        if Path::new("/usr/lib/libreoffice/program").exists() {
            assert!(binds.contains(&PathBuf::from("/usr/lib/libreoffice")));
        }
        let has_nss = library_dirs()
            .iter()
            .any(|d| d.join("libsoftokn3.so").exists());
        if has_nss {
            assert!(
                binds.iter().any(|p| p.ends_with("libsoftokn3.so")),
                "{binds:?}"
            );
        }
        // A symlinked library brings its target along (libsqlite3.so.0 → libsqlite3.so.0.x.y).
        for path in binds
            .iter()
            .filter(|p| p.is_symlink() && p.starts_with("/usr/lib"))
        {
            for link in symlink_chain_in_same_dir(path) {
                assert!(binds.contains(&link), "{path:?} without {link:?}");
            }
        }
    }
}
