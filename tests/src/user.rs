//! Who the server under test runs as: root, or an unprivileged user the tests create.

use std::process::Command;

pub const TEST_USER: &str = "oxool-test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAs {
    Root,
    Unprivileged,
}

/// Writes the two tests of a check that takes a [`RunAs`]: `$as_root` runs `$check` with the
/// kits as root, `$as_unprivileged` as the unprivileged test user.
#[macro_export]
macro_rules! tests_as_root_and_unprivileged {
    ($check:ident: $as_root:ident, $as_unprivileged:ident) => {
        #[test]
        fn $as_root() {
            $check($crate::user::RunAs::Root);
        }

        #[test]
        fn $as_unprivileged() {
            $check($crate::user::RunAs::Unprivileged);
        }
    };
}

impl RunAs {
    pub fn label(self) -> &'static str {
        match self {
            RunAs::Root => "root",
            RunAs::Unprivileged => "unprivileged",
        }
    }
}

/// Creates the unprivileged test user if it does not exist yet; returns (uid, gid).
pub fn ensure_test_user() -> anyhow::Result<(u32, u32)> {
    if let Some(ids) = lookup(TEST_USER) {
        return Ok(ids);
    }
    let status = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            TEST_USER,
        ])
        .status()?;
    // Two test binaries may race to create the user: whoever loses finds it now.
    if let Some(ids) = lookup(TEST_USER) {
        return Ok(ids);
    }
    anyhow::bail!("useradd {TEST_USER} failed: {status}")
}

fn lookup(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&name) && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

/// The command prefix that runs a program as `who`.
pub fn command_as(who: RunAs, program: &std::path::Path) -> anyhow::Result<Command> {
    Ok(match who {
        RunAs::Root => Command::new(program),
        RunAs::Unprivileged => {
            let (uid, gid) = ensure_test_user()?;
            let mut command = Command::new("setpriv");
            command
                .arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(program);
            command
        }
    })
}
