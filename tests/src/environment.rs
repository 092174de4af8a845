//! Tests whose environment is missing (not root, no LibreOffice, no writable /run) fail under
//! `make test` and skip, saying so, under a developer's plain `cargo test`. A test that passes
//! without checking anything is never an option. This file has no dependencies beyond std, so
//! the kit crate's tests include it too (`#[path]`): one definition for the whole tree.

/// Whether the test run requires every test's environment (root, LibreOffice, a writable /run):
/// `make test` sets OXOOL_TESTS_STRICT=1, so a test that cannot run there fails instead of
/// passing without checking anything. A developer's `cargo test` on a partial machine skips
/// such tests with a message.
pub fn strict() -> bool {
    std::env::var_os("OXOOL_TESTS_STRICT").is_some_and(|v| v == "1")
}

/// Returns true (skip the test) when `missing` names what this environment lacks, after saying so;
/// panics instead under [`strict`].
#[track_caller]
pub fn skip_without(test: &str, missing: Option<String>) -> bool {
    let Some(missing) = missing else {
        return false;
    };
    if strict() {
        panic!("{test} cannot run here: {missing} (OXOOL_TESTS_STRICT=1: make test requires it)");
    }
    eprintln!("{test} SKIPPED: {missing}");
    true
}
