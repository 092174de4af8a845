//! Where this process's cgroups are: `/proc/self/cgroup` says which cgroup of each hierarchy we
//! are in, `/proc/self/mountinfo` where each hierarchy is mounted. Pure parsing, unit-tested.

use std::path::{Path, PathBuf};

/// One mounted cgroup hierarchy and our cgroup in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// `cgroup2`, or the v1 controllers mounted together (`["cpu", "cpuacct"]`).
    pub version: Version,
    pub controllers: Vec<String>,
    /// The directory of our own cgroup in this hierarchy.
    pub own_dir: PathBuf,
    /// Our cgroup's path as `/proc/self/cgroup` shows it (`/` is the root).
    pub own_path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// The hierarchies of this process that are mounted here.
pub fn hierarchies() -> std::io::Result<Vec<Hierarchy>> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")?;
    Ok(parse(&cgroup, &mountinfo))
}

/// Joins `/proc/self/cgroup` lines (`id:controllers:path`) with the cgroup mounts of
/// `/proc/self/mountinfo`. A v1 line's controllers must equal a v1 mount's super options
/// (`rw,memory` → memory); the `0::` line is the v2 mount.
pub fn parse(cgroup: &str, mountinfo: &str) -> Vec<Hierarchy> {
    let mounts: Vec<Mount> = mountinfo.lines().filter_map(Mount::parse).collect();
    let mut found = Vec::new();
    for line in cgroup.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_id), Some(list), Some(path)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (version, controllers): (Version, Vec<String>) = if list.is_empty() {
            (Version::V2, Vec::new())
        } else {
            // Named hierarchies (name=systemd) carry no controller.
            let names = list
                .split(',')
                .filter(|c| !c.starts_with("name="))
                .map(str::to_string)
                .collect::<Vec<_>>();
            if names.is_empty() {
                continue;
            }
            (Version::V1, names)
        };
        let Some(mount) = mounts.iter().find(|m| m.matches(version, &controllers)) else {
            continue;
        };
        found.push(Hierarchy {
            version,
            controllers,
            own_dir: mount.dir_of(path),
            own_path: path.to_string(),
        });
    }
    found
}

struct Mount {
    root: String,
    mount_point: PathBuf,
    version: Version,
    options: Vec<String>,
}

impl Mount {
    /// `36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory`
    fn parse(line: &str) -> Option<Mount> {
        let (before, after) = line.split_once(" - ")?;
        let mut before = before.split(' ');
        let root = before.nth(3)?.to_string();
        let mount_point = PathBuf::from(unescape(before.next()?));
        let mut after = after.split(' ');
        let version = match after.next()? {
            "cgroup" => Version::V1,
            "cgroup2" => Version::V2,
            _ => return None,
        };
        let options = after.nth(1)?.split(',').map(str::to_string).collect();
        Some(Mount {
            root,
            mount_point,
            version,
            options,
        })
    }

    fn matches(&self, version: Version, controllers: &[String]) -> bool {
        self.version == version
            && (version == Version::V2 || controllers.iter().all(|c| self.options.contains(c)))
    }

    /// Our cgroup's directory: the path is relative to the hierarchy's root, of which this
    /// mount may show only a subtree (a container's cgroup namespace).
    fn dir_of(&self, path: &str) -> PathBuf {
        let relative = Path::new(path)
            .strip_prefix(&self.root)
            .unwrap_or(Path::new(path));
        let relative = relative.strip_prefix("/").unwrap_or(relative);
        self.mount_point.join(relative)
    }
}

/// mountinfo escapes blanks and backslashes as octal (`\040`).
fn unescape(field: &str) -> String {
    let mut out = String::new();
    let mut rest = field;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        let code = rest.get(pos + 1..pos + 4);
        match code.and_then(|c| u8::from_str_radix(c, 8).ok()) {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[pos + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[pos + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This build machine's shape: controllers as v1 beside a v2 hierarchy without them.
    const HYBRID_CGROUP: &str = "9:name=systemd:/\n8:pids:/\n4:memory:/api/abc\n\
                                 1:cpu,cpuacct:/\n0::/\n";
    const HYBRID_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn hybrid_hierarchies() {
        let found = parse(HYBRID_CGROUP, HYBRID_MOUNTS);
        let memory = found.iter().find(|h| h.controllers == ["memory"]).unwrap();
        assert_eq!(memory.version, Version::V1);
        assert_eq!(memory.own_dir, Path::new("/sys/fs/cgroup/memory/api/abc"));
        let cpu = found.iter().find(|h| h.controllers.len() == 2).unwrap();
        assert_eq!(cpu.own_dir, Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        let v2 = found.iter().find(|h| h.version == Version::V2).unwrap();
        assert_eq!(v2.own_dir, Path::new("/sys/fs/cgroup/unified"));
        assert_eq!(v2.own_path, "/");
        assert_eq!(found.len(), 4, "name=systemd carries no controller");
    }

    #[test]
    fn unified_under_systemd_and_a_namespaced_mount() {
        let found = parse(
            "0::/system.slice/oxool-forkit.service\n",
            "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
        );
        assert_eq!(
            found[0].own_dir,
            Path::new("/sys/fs/cgroup/system.slice/oxool-forkit.service")
        );
        let found = parse(
            "0::/system.slice/x.service\n",
            "30 1 0:26 /system.slice /mnt/cg\\040x rw - cgroup2 cgroup2 rw\n",
        );
        assert_eq!(found[0].own_dir, Path::new("/mnt/cg x/x.service"));
    }
}
