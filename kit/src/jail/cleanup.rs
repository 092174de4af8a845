//! Removing a dead kit's jail directory (forkit, after reaping).
//!
//! The kit's tmpfs lived in its own mount namespace and vanished with it, so usually only the empty
//! mount point is left. In the link/copy fallback the tree is real files. Either way the removal
//! works through directory descriptors (`openat`/`unlinkat`), never follows a symlink and never
//! descends into another file system: a mount that is somehow still there is left alone.

use std::ffi::{CStr, OsStr};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::dir::{Dir, Type};
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, Mode};
use nix::unistd::{unlinkat, UnlinkatFlags};

/// Removes `<jails_root>/<jail_id>` and everything in it that is on the same file system.
pub fn remove_jail_dir(jails_root: &Path, jail_id: &str) -> io::Result<()> {
    if !super::is_valid_jail_id(jail_id) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a jail id"));
    }
    let root = nix::fcntl::open(jails_root, directory_flags(), Mode::empty())?;
    let device = fstat(&root)?.st_dev;
    match remove_tree_at(&root, OsStr::new(jail_id), device) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn directory_flags() -> OFlag {
    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC
}

/// Removes `name` in `parent`: a non-directory is unlinked (a symlink itself, never its target);
/// a directory is emptied first, unless it sits on another device.
fn remove_tree_at(parent: &OwnedFd, name: &OsStr, device: u64) -> io::Result<()> {
    let dir = match openat(parent, name, directory_flags(), Mode::empty()) {
        Ok(dir) => dir,
        // Not a directory (or a symlink, refused by O_NOFOLLOW): unlink the entry itself.
        Err(nix::errno::Errno::ENOTDIR | nix::errno::Errno::ELOOP) => {
            return Ok(unlinkat(parent, name, UnlinkatFlags::NoRemoveDir)?);
        }
        Err(err) => return Err(err.into()),
    };
    if fstat(&dir)?.st_dev != device {
        return Err(io::Error::other(format!(
            "{} is another file system (still mounted?); left alone",
            name.to_string_lossy()
        )));
    }
    let children = list_children(&dir)?;
    for (child, kind) in children {
        let child = OsStr::from_bytes(child.to_bytes());
        if kind == Some(Type::Directory) || kind.is_none() {
            remove_tree_at(&dir, child, device)?;
        } else {
            unlinkat(&dir, child, UnlinkatFlags::NoRemoveDir)?;
        }
    }
    Ok(unlinkat(parent, name, UnlinkatFlags::RemoveDir)?)
}

fn list_children(dir: &OwnedFd) -> io::Result<Vec<(std::ffi::CString, Option<Type>)>> {
    let duplicate = dir.as_fd().try_clone_to_owned()?;
    let mut listing = Dir::from_fd(duplicate)?;
    let mut children = Vec::new();
    for entry in listing.iter() {
        let entry = entry?;
        let name: &CStr = entry.file_name();
        if name.to_bytes() == b"." || name.to_bytes() == b".." {
            continue;
        }
        children.push((name.to_owned(), entry.file_type()));
    }
    Ok(children)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn removes_a_tree_but_never_follows_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("precious"), "keep me").unwrap();
        let jail = root.path().join("AbCdEfGh12345678");
        fs::create_dir_all(jail.join("usr/lib")).unwrap();
        fs::write(jail.join("usr/lib/file"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), jail.join("escape")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("precious"), jail.join("usr/precious"))
            .unwrap();

        remove_jail_dir(root.path(), "AbCdEfGh12345678").unwrap();
        assert!(!jail.exists());
        assert_eq!(
            fs::read_to_string(outside.path().join("precious")).unwrap(),
            "keep me"
        );
        // Gone already: not an error (forkit may call it twice).
        remove_jail_dir(root.path(), "AbCdEfGh12345678").unwrap();
    }

    #[test]
    fn refuses_names_that_are_not_jail_ids() {
        let root = tempfile::tempdir().unwrap();
        for bad in ["..", "../x", "", "a/b", "with space"] {
            assert!(remove_jail_dir(root.path(), bad).is_err(), "{bad:?}");
        }
    }
}
