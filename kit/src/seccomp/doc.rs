//! docs/seccomp.md, rendered from the allowlist table. A unit test compares the rendering with the
//! checked-in file, so the documented list cannot drift from the filter the kits install.

use std::fmt::Write;

use super::allowlist::SECTIONS;
use super::must_deny::MUST_DENY;
use super::rule::{Cmp, Named, Otherwise, Rule};

/// The command that rewrites docs/seccomp.md from the table.
pub const REGENERATE: &str = "OXOOL_UPDATE_DOCS=1 cargo test -p oxool-kit --lib seccomp::doc";

const INTRO: &str = "\
# The kit's seccomp filter

Every kit installs this filter after its jail and before LibreOffice starts (design.md, the kit's
jail in order, step 6).
It is a default-deny allowlist, compiled once in forkit's zygote with libseccomp and only loaded in
each kit. A call that matches no rule **traps**: the kit's SIGSYS handler writes
`oxool-kit: seccomp denied syscall <name> (<nr>)` to stderr and `error kind=seccomp
syscall=<name>` to the kit socket, then the kit ends with status 70. A call from a foreign
architecture kills the kit. Rules that say *fails with* return that errno without running the call.

Calls that take a pid are checked by a second filter stacked at install time, when the kit's pid
is known (1 once the kit is PID 1 of its own PID namespace): they reach the kernel only for the
kit's own pid. The strictest answer of the two filters wins.

Arguments are numbered from 0 as in the kernel's `struct seccomp_data`; comparisons are on the
whole 64-bit register unless a mask says otherwise.
";

/// The whole document.
pub fn render_markdown() -> String {
    let mut out = String::new();
    out.push_str("<!-- Generated from kit/src/seccomp/allowlist.rs; do not edit. Regenerate: ");
    out.push_str(REGENERATE);
    out.push_str(" -->\n");
    out.push_str(INTRO);
    for section in SECTIONS {
        let _ = write!(out, "\n## {}\n\n{}\n\n", section.title, reflow(section.why));
        out.push_str("| syscall | rule |\n|---|---|\n");
        for rule in section.rules {
            let _ = writeln!(out, "| `{}` | {} |", rule.name(), describe(rule));
        }
    }
    out.push_str(
        "\n## Never allowed\n\nThe unit tests check that each of these traps or fails:\n\n",
    );
    let names: Vec<String> = MUST_DENY.iter().map(|n| format!("`{n}`")).collect();
    out.push_str(&names.join(", "));
    out.push('\n');
    out
}

/// The table's prose is written with Rust line continuations; the doc keeps it as one paragraph.
fn reflow(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn one_of(values: &[Named]) -> String {
    let names: Vec<String> = values.iter().map(|v| format!("`{}`", v.name)).collect();
    match names.as_slice() {
        [one] => format!("is {one}"),
        _ => format!("is one of {}", names.join(", ")),
    }
}

fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::EPERM => "EPERM",
        libc::EACCES => "EACCES",
        libc::ENOSYS => "ENOSYS",
        libc::ESRCH => "ESRCH",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EINVAL => "EINVAL",
        other => return format!("errno {other}"),
    };
    name.to_string()
}

fn describe(rule: &Rule) -> String {
    match *rule {
        Rule::Allow(_) => "allowed".into(),
        Rule::AllowIfArgIs { arg, values, .. } => {
            format!("allowed when arg{arg} {}", one_of(values))
        }
        Rule::AllowIfArgClear { arg, mask, .. } => {
            format!("allowed when arg{arg} has no bit of `{}`", mask.name)
        }
        Rule::AllowIfMaskedArgIs {
            arg, mask, values, ..
        } => format!(
            "allowed when arg{arg} & `{}` (the command without its flags) {}",
            mask.name,
            one_of(values)
        ),
        Rule::AllowIfAll { all, .. } => {
            let parts: Vec<String> = all
                .iter()
                .map(|cmp| match *cmp {
                    Cmp::Eq { arg, value } => format!("arg{arg} is `{}`", value.name),
                    Cmp::Clear { arg, mask } => format!("arg{arg} has no bit of `{}`", mask.name),
                })
                .collect();
            format!("allowed when {}", parts.join(" and "))
        }
        Rule::Errno { errno, .. } => format!("fails with {}", errno_name(errno)),
        Rule::ErrnoIfArgIs {
            arg, values, errno, ..
        } => format!(
            "fails with {} when arg{arg} {}",
            errno_name(errno),
            one_of(values)
        ),
        Rule::ErrnoIfArgHas {
            arg, mask, errno, ..
        } => format!(
            "fails with {} when arg{arg} has every bit of `{}`",
            errno_name(errno),
            mask.name
        ),
        Rule::OnlySelf {
            arg,
            zero_is_self,
            otherwise,
            ..
        } => {
            let who = if zero_is_self {
                "the kit's own pid or 0"
            } else {
                "the kit's own pid"
            };
            let otherwise = match otherwise {
                Otherwise::Trap => "traps".to_string(),
                Otherwise::Errno(errno) => format!("fails with {}", errno_name(errno)),
            };
            format!("allowed when arg{arg} is {who}; otherwise {otherwise}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_seccomp_md_is_the_rendered_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/seccomp.md");
        let rendered = render_markdown();
        if std::env::var_os("OXOOL_UPDATE_DOCS").is_some() {
            std::fs::write(path, &rendered).expect("write docs/seccomp.md");
            return;
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == rendered,
            "docs/seccomp.md differs from the allowlist table; regenerate it with:\n    {REGENERATE}"
        );
    }

    #[test]
    fn every_rule_is_rendered() {
        let rendered = render_markdown();
        for rule in super::super::allowlist::rules() {
            assert!(rendered.contains(&format!("| `{}` |", rule.name())));
        }
        assert!(rendered.contains("`F_SETFL` and arg2 has no bit of `O_ASYNC`"));
    }
}
