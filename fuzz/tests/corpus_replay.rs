//! Every seed (`corpus/<target>/`) and every input that once crashed a target
//! (`regressions/<target>/`) runs through its target in the ordinary `cargo test`, without
//! libFuzzer: a fixed crash stays fixed, and the seeds keep parsing without a panic.

use std::path::Path;

fn replay(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind);
    let mut replayed = 0;
    for (name, target) in oxool_fuzz::TARGETS {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a corpus directory entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} panics", path.display());
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn seed_corpora_run_clean() {
    let replayed = replay("corpus");
    // Every target has seeds: a target without any would start from nothing in `make fuzz`.
    for (name, _) in oxool_fuzz::TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(name);
        let count = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            count > 0,
            "target {name} has no seed corpus in {}",
            dir.display()
        );
    }
    assert!(replayed >= oxool_fuzz::TARGETS.len());
}

#[test]
fn crash_regressions_stay_fixed() {
    replay("regressions");
}
