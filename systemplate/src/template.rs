//! Building and refreshing the systemplate: the few host files a kit's jail shows under `/`.
//!
//! The template holds only what LibreOffice reads from `/etc` and `/var` inside the jail (found by
//! tracing a jailed kit): the user database (LibreOffice asks for the user's name), name-service
//! configuration that never reaches the network, the local time zone and the fontconfig setup.
//! Everything is a plain copy (symlinks dereferenced): the jail shows no other host path that a
//! link could point into.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One failed step of `setup` or `refresh_dynamic`.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("destination {0} must be an absolute path with a parent directory")]
    BadDestination(PathBuf),
    #[error("clearing the staging directory {path}: {source}")]
    ClearStaging { path: PathBuf, source: io::Error },
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("copying {from} to {to}: {source}")]
    Copy {
        from: PathBuf,
        to: PathBuf,
        source: io::Error,
    },
    #[error("reading the host's {path}: {source}")]
    ReadHost { path: PathBuf, source: io::Error },
    #[error("putting the new systemplate in place at {path}: {source}")]
    Swap { path: PathBuf, source: io::Error },
    #[error("removing the previous systemplate {path}: {source}")]
    RemoveOld { path: PathBuf, source: io::Error },
}

/// Files that follow host changes (`refresh_dynamic` re-copies them): (path in the template, host path).
const DYNAMIC_COPIES: &[(&str, &str)] = &[
    ("etc/localtime", "/etc/localtime"),
    ("etc/timezone", "/etc/timezone"),
    ("etc/fonts", "/etc/fonts"),
    ("var/cache/fontconfig", "/var/cache/fontconfig"),
];

/// No network in a kit: names resolve from files only, and the hosts file knows only localhost.
const NSSWITCH_CONF: &str = "passwd: files\ngroup: files\nshadow: files\nhosts: files\n";
const HOSTS: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";

/// Builds the template at `dest`, atomically: everything is written to `<dest>.tmp` first and then
/// exchanged with `dest`, so a running forkit never sees a half-built template.
pub fn setup(dest: &Path) -> Result<(), SetupError> {
    let staging = sibling(dest, "tmp")?;
    if staging.symlink_metadata().is_ok() {
        fs::remove_dir_all(&staging).map_err(|source| SetupError::ClearStaging {
            path: staging.clone(),
            source,
        })?;
    }
    make_dir(&staging)?;
    write_user_database(&staging)?;
    write_file(&staging.join("etc/nsswitch.conf"), NSSWITCH_CONF.as_bytes())?;
    write_file(&staging.join("etc/hosts"), HOSTS.as_bytes())?;
    for (relative, host) in DYNAMIC_COPIES {
        copy_host_path(Path::new(host), &staging.join(relative))?;
    }
    swap_into_place(&staging, dest)
}

/// Re-copies the dynamic files (time zone, fontconfig) whose host copy changed since the template
/// was built. Returns whether anything changed. forkit calls it at start; each file is replaced by
/// a rename, so kits that show the template see either the old or the new file.
pub fn refresh_dynamic(dest: &Path) -> Result<bool, SetupError> {
    let mut changed = false;
    for (relative, host) in DYNAMIC_COPIES {
        let host = Path::new(host);
        let in_template = dest.join(relative);
        if same_content(host, &in_template) {
            continue;
        }
        let staging = sibling(&in_template, "new")?;
        if staging.symlink_metadata().is_ok() {
            remove_any(&staging).map_err(|source| SetupError::ClearStaging {
                path: staging.clone(),
                source,
            })?;
        }
        copy_host_path(host, &staging)?;
        if staging.symlink_metadata().is_ok() {
            swap_into_place(&staging, &in_template)?;
        } else if in_template.symlink_metadata().is_ok() {
            // Gone from the host: gone from the template.
            remove_any(&in_template).map_err(|source| SetupError::RemoveOld {
                path: in_template.clone(),
                source,
            })?;
        }
        changed = true;
    }
    Ok(changed)
}

/// The entries of a colon-separated host database (passwd, group: name first, id third) with at
/// least `min_fields` fields that belong to root, `oxool` or `own_id`, each rendered by `line`.
fn kept_entries(
    database: &str,
    min_fields: usize,
    own_id: u32,
    line: impl Fn(&[&str]) -> String,
) -> String {
    database
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() >= min_fields)
        .filter(|f| f[0] == "root" || f[0] == "oxool" || f[2].parse() == Ok(own_id))
        .map(|f| line(&f))
        .collect()
}

/// `etc/passwd` and `etc/group` with one line each for root, the `oxool` user and the user running
/// this tool, as the host knows them: LibreOffice looks the kit's uid up for the author name.
fn write_user_database(staging: &Path) -> Result<(), SetupError> {
    // SAFETY: geteuid/getegid cannot fail and touch no memory.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let passwd = read_host("/etc/passwd")?;
    let group = read_host("/etc/group")?;
    // No home and no shell exist in the jail: point them at the jail's writable /tmp and nowhere.
    let passwd_out = kept_entries(&passwd, 7, uid, |fields| {
        format!(
            "{}:x:{}:{}::/tmp:/nonexistent\n",
            fields[0], fields[2], fields[3]
        )
    });
    let group_out = kept_entries(&group, 3, gid, |fields| {
        format!("{}:x:{}:\n", fields[0], fields[2])
    });
    write_file(&staging.join("etc/passwd"), passwd_out.as_bytes())?;
    write_file(&staging.join("etc/group"), group_out.as_bytes())
}

fn read_host(path: &str) -> Result<String, SetupError> {
    fs::read_to_string(path).map_err(|source| SetupError::ReadHost {
        path: path.into(),
        source,
    })
}

/// Copies a host file or tree into the template, dereferencing symlinks (their targets are not in
/// the jail). A missing host path is skipped: not every host has /etc/timezone.
fn copy_host_path(host: &Path, to: &Path) -> Result<(), SetupError> {
    let copy_err = |source| SetupError::Copy {
        from: host.to_path_buf(),
        to: to.to_path_buf(),
        source,
    };
    let metadata = match fs::metadata(host) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(copy_err(source)),
    };
    if let Some(parent) = to.parent() {
        make_dir(parent)?;
    }
    if metadata.is_dir() {
        make_dir(to)?;
        for entry in fs::read_dir(host).map_err(copy_err)? {
            let entry = entry.map_err(copy_err)?;
            copy_host_path(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if metadata.is_file() {
        fs::copy(host, to).map_err(copy_err)?;
        fs::set_permissions(to, fs::Permissions::from_mode(0o644)).map_err(copy_err)?;
    }
    // Sockets, devices and dangling links have no place in a template.
    Ok(())
}

/// Whether the host path (dereferenced) and the template's copy hold the same tree and bytes.
fn same_content(host: &Path, template: &Path) -> bool {
    match (fs::metadata(host), fs::symlink_metadata(template)) {
        (Err(_), Err(_)) => true,
        (Ok(h), Ok(t)) if h.is_dir() && t.is_dir() => {
            let names = |dir: &Path| -> Option<Vec<_>> {
                let mut names: Vec<_> = fs::read_dir(dir)
                    .ok()?
                    .filter_map(Result::ok)
                    .map(|e| e.file_name())
                    .collect();
                names.sort();
                Some(names)
            };
            // Entries the copy skipped (sockets, dangling links) are skipped here too.
            let host_names: Option<Vec<_>> = names(host).map(|n| {
                n.into_iter()
                    .filter(|name| {
                        fs::metadata(host.join(name))
                            .map(|m| m.is_dir() || m.is_file())
                            .unwrap_or(false)
                    })
                    .collect()
            });
            match (host_names, names(template)) {
                (Some(h), Some(t)) if h == t => h
                    .iter()
                    .all(|name| same_content(&host.join(name), &template.join(name))),
                _ => false,
            }
        }
        (Ok(h), Ok(t)) if h.is_file() && t.is_file() => {
            h.size() == t.size() && fs::read(host).ok() == fs::read(template).ok()
        }
        _ => false,
    }
}

/// Puts `staging` at `dest`: an atomic exchange when `dest` exists (renameat2 RENAME_EXCHANGE), a
/// rename otherwise; the previous content is removed afterwards.
fn swap_into_place(staging: &Path, dest: &Path) -> Result<(), SetupError> {
    let swap_err = |source| SetupError::Swap {
        path: dest.to_path_buf(),
        source,
    };
    if dest.symlink_metadata().is_err() {
        return fs::rename(staging, dest).map_err(swap_err);
    }
    let from = CString::new(staging.as_os_str().as_bytes()).map_err(|e| swap_err(e.into()))?;
    let to = CString::new(dest.as_os_str().as_bytes()).map_err(|e| swap_err(e.into()))?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call; renameat2 only
    // reads them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc != 0 {
        return Err(swap_err(io::Error::last_os_error()));
    }
    // `staging` now holds the previous content.
    remove_any(staging).map_err(|source| SetupError::RemoveOld {
        path: staging.to_path_buf(),
        source,
    })
}

fn remove_any(path: &Path) -> io::Result<()> {
    if path.symlink_metadata()?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

fn sibling(path: &Path, suffix: &str) -> Result<PathBuf, SetupError> {
    match (path.parent(), path.file_name()) {
        (Some(_), Some(name)) if path.is_absolute() => {
            let mut name = name.to_os_string();
            name.push(format!(".{suffix}"));
            Ok(path.with_file_name(name))
        }
        _ => Err(SetupError::BadDestination(path.to_path_buf())),
    }
}

fn make_dir(path: &Path) -> Result<(), SetupError> {
    let write_err = |source| SetupError::Write {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(path).map_err(write_err)?;
    // Readable by the forkit user whatever the umask of whoever ran the setup.
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(write_err)
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), SetupError> {
    if let Some(parent) = path.parent() {
        make_dir(parent)?;
    }
    let write_err = |source| SetupError::Write {
        path: path.to_path_buf(),
        source,
    };
    fs::write(path, contents).map_err(write_err)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template_in(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("systemplate")
    }

    #[test]
    fn setup_builds_the_expected_tree_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let dest = template_in(&dir);
        setup(&dest).unwrap();
        let passwd = fs::read_to_string(dest.join("etc/passwd")).unwrap();
        assert!(
            passwd.lines().any(|l| l.starts_with("root:x:0:0:")),
            "{passwd}"
        );
        assert!(
            passwd.lines().all(|l| l.ends_with(":/tmp:/nonexistent")),
            "{passwd}"
        );
        assert!(fs::read_to_string(dest.join("etc/group"))
            .unwrap()
            .contains("root:x:0:"));
        assert_eq!(fs::read_to_string(dest.join("etc/hosts")).unwrap(), HOSTS);
        assert!(fs::read_to_string(dest.join("etc/nsswitch.conf"))
            .unwrap()
            .contains("hosts: files\n"));
        if Path::new("/etc/localtime").exists() {
            let copy = dest.join("etc/localtime");
            assert!(!copy.is_symlink(), "symlinks must be dereferenced");
            assert_eq!(fs::read(copy).unwrap(), fs::read("/etc/localtime").unwrap());
        }
        if Path::new("/etc/fonts/fonts.conf").exists() {
            assert!(dest.join("etc/fonts/fonts.conf").is_file());
        }
        let top: Vec<_> = fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(top.iter().all(|n| n == "etc" || n == "var"), "{top:?}");
        assert!(
            !sibling(&dest, "tmp").unwrap().exists(),
            "staging left behind"
        );
        // Nothing in the template is a symlink: the jail shows no host tree it could point into.
        let mut stack = vec![dest.clone()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let kind = entry.file_type().unwrap();
                assert!(!kind.is_symlink(), "{:?}", entry.path());
                if kind.is_dir() {
                    stack.push(entry.path());
                }
            }
        }
    }

    #[test]
    fn setup_again_replaces_the_template_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let dest = template_in(&dir);
        setup(&dest).unwrap();
        fs::write(dest.join("etc/stray"), "left over").unwrap();
        setup(&dest).unwrap();
        assert!(!dest.join("etc/stray").exists());
        assert!(dest.join("etc/passwd").is_file());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("systemplate")]);
    }

    #[test]
    fn refresh_reports_and_repairs_changes_only() {
        let dir = tempfile::tempdir().unwrap();
        let dest = template_in(&dir);
        setup(&dest).unwrap();
        assert!(
            !refresh_dynamic(&dest).unwrap(),
            "a fresh template is up to date"
        );

        let has_localtime = Path::new("/etc/localtime").exists();
        let localtime = dest.join("etc/localtime");
        if has_localtime {
            fs::write(&localtime, "stale").unwrap();
        } else {
            fs::write(&localtime, "not on the host").unwrap();
        }
        assert!(refresh_dynamic(&dest).unwrap());
        if has_localtime {
            assert_eq!(
                fs::read(&localtime).unwrap(),
                fs::read("/etc/localtime").unwrap()
            );
        } else {
            assert!(!localtime.exists());
        }
        assert!(!refresh_dynamic(&dest).unwrap());

        if Path::new("/etc/fonts/fonts.conf").exists() {
            fs::remove_file(dest.join("etc/fonts/fonts.conf")).unwrap();
            assert!(refresh_dynamic(&dest).unwrap());
            assert!(dest.join("etc/fonts/fonts.conf").is_file());
            assert!(!dest.join("etc/fonts.new").exists());
        }
    }

    #[test]
    fn relative_destinations_are_refused() {
        assert!(matches!(
            setup(Path::new("relative")),
            Err(SetupError::BadDestination(_))
        ));
    }
}
