//! cgroup files: a kit must not even reach the hierarchy that bounds it (moving itself out, or
//! raising its own memory.max, would undo the limit).

use super::ProbeContext;

const CGROUP_FILES: &[&str] = &[
    "/sys/fs/cgroup/cgroup.procs",
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/pids.max",
    "/sys/fs/cgroup/cgroup.subtree_control",
    "/sys/fs/cgroup/memory/cgroup.procs",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    "/sys/fs/cgroup/pids/cgroup.procs",
    "/sys/fs/cgroup/unified/cgroup.procs",
];

pub(super) fn cgroup_write(_: &ProbeContext) -> (bool, String) {
    let mut details = Vec::new();
    if let Ok(meta) = std::fs::metadata("/sys/fs/cgroup") {
        return (
            false,
            format!("/sys/fs/cgroup is reachable ({:?})", meta.file_type()),
        );
    }
    for path in CGROUP_FILES {
        match std::fs::OpenOptions::new().write(true).open(path) {
            Ok(_) => return (false, format!("opened {path} for writing")),
            Err(err) => details.push(format!("{path}: {err}")),
        }
    }
    (true, details.join("; "))
}

pub(super) fn mount_cgroup2(_: &ProbeContext) -> (bool, String) {
    let _ = std::fs::create_dir_all("/tmp/probe-cgroup");
    super::kernel::try_mount(c"cgroup2", c"/tmp/probe-cgroup", c"cgroup2")
}
