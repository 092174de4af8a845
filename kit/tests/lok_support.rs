//! Shared by the `lok_*` integration tests (included with `#[path]`; as a test target of its own
//! it has no tests).
//!
//! LibreOffice can be initialised only once per process and starts threads that outlive any
//! test, so every test that needs LibreOffice runs in a fresh process: [`in_lok_process`]
//! re-executes this test binary with only that test selected, and the child does the work with
//! its own profile (a copy of the fixture seed profile), `TMPDIR` and `HOME` in a tempdir, then
//! leaves with `_exit` (a normal exit with LibreOffice's thread alive fails with
//! "Unspecified Application Error").
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use oxool_kit::lok::{file_url, CallbackEvent, LokLibrary, Office, DEFAULT_PROGRAM_DIR};

/// oxool-tests' waits (the kit's tests cannot depend on oxool-tests, which depends on the kit).
#[path = "../../tests/src/eventually/blocking.rs"]
pub mod eventually;
pub use eventually::poll_until;

const CHILD_TEST_ENV: &str = "OXOOL_LOK_TEST";
const CHILD_SCRATCH_ENV: &str = "OXOOL_LOK_SCRATCH";

/// A hang guard, not a performance threshold: a wedged LibreOffice must fail the test rather
/// than block the suite forever.
const CHILD_DEADLINE: Duration = Duration::from_secs(600);

/// Generous upper bound for asynchronous LibreOffice work (key events, callbacks) to show up.
pub const ASYNC_DEADLINE: Duration = Duration::from_secs(60);

/// The repository's `tests/fixtures` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// Runs `body(office, scratch_dir)` in a fresh process that has initialised LibreOffice.
/// `test_name` must be the calling test's function name.
pub fn in_lok_process(test_name: &str, body: fn(&Office, &Path)) {
    if std::env::var(CHILD_TEST_ENV).as_deref() == Ok(test_name) {
        run_child(|library, scratch| {
            let program = Path::new(DEFAULT_PROGRAM_DIR);
            let profile_url = file_url(&scratch.join("profile")).unwrap();
            let office = library
                .init(program, &profile_url)
                .expect("LibreOffice init");
            body(&office, scratch);
        });
    }
    run_parent(test_name);
}

/// Runs `body(library, scratch_dir)` in a fresh process that has only opened the library, for
/// tests that drive initialisation themselves (preinit, fork).
pub fn in_library_process(test_name: &str, body: fn(&LokLibrary, &Path)) {
    if std::env::var(CHILD_TEST_ENV).as_deref() == Ok(test_name) {
        run_child(body);
    }
    run_parent(test_name);
}

fn run_parent(test_name: &str) {
    let scratch = tempfile::tempdir().expect("tempdir");
    for dir in ["tmp", "home", "work"] {
        std::fs::create_dir_all(scratch.path().join(dir)).unwrap();
    }
    // LibreOffice's lock files land next to the documents; keep the fixtures untouched by
    // working on copies.
    copy_dir(&fixtures(), &scratch.path().join("fixtures"));
    let profile = scratch.path().join("profile");
    copy_dir(&fixtures().join("seed-profile"), &profile);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_TEST_ENV, test_name)
        .env(CHILD_SCRATCH_ENV, scratch.path())
        .env("TMPDIR", scratch.path().join("tmp"))
        .env("HOME", scratch.path().join("home"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("re-execute the test binary");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let exited = poll_until(CHILD_DEADLINE, || child.try_wait().unwrap());
    let status = exited.unwrap_or_else(|| {
        let _ = child.kill();
        child.wait().unwrap()
    });
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    println!("--- child stdout ---\n{out}\n--- child stderr ---\n{err}");
    assert!(
        status.success() && out.contains("OXOOL-LOK-CHILD-PASSED"),
        "LibreOffice child for {test_name} failed ({status}); its output is above"
    );
}

fn run_child(body: impl FnOnce(&LokLibrary, &Path)) -> ! {
    let scratch = PathBuf::from(std::env::var(CHILD_SCRATCH_ENV).unwrap());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let library =
            LokLibrary::open(Path::new(DEFAULT_PROGRAM_DIR)).expect("open libmergedlo.so");
        body(&library, &scratch);
    }));
    if outcome.is_ok() {
        println!("OXOOL-LOK-CHILD-PASSED");
    }
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: ends the process without running atexit handlers, which LibreOffice's running
    // thread would trip over; all our output is flushed above.
    unsafe { libc::_exit(if outcome.is_ok() { 0 } else { 101 }) }
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A working copy of fixture `name` inside the child's scratch directory.
pub fn work_copy(scratch: &Path, name: &str) -> PathBuf {
    scratch.join("fixtures").join(name)
}

/// Receives callbacks until `done` says the collected events suffice or [`ASYNC_DEADLINE`]
/// passes; returns everything received.
pub fn collect_until(
    events: &Receiver<CallbackEvent>,
    done: impl FnMut(&[CallbackEvent]) -> bool,
) -> Vec<CallbackEvent> {
    collect_more(events, Vec::new(), done)
}

/// [`collect_until`], starting from the events already `seen` (which `done` judges too).
pub fn collect_more(
    events: &Receiver<CallbackEvent>,
    mut seen: Vec<CallbackEvent>,
    mut done: impl FnMut(&[CallbackEvent]) -> bool,
) -> Vec<CallbackEvent> {
    let deadline = Instant::now() + ASYNC_DEADLINE;
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if let Ok(event) = events.recv_timeout(left.min(Duration::from_millis(200))) {
            seen.push(event);
        }
    }
    seen
}

/// Retries `attempt` until it yields `Some` or [`ASYNC_DEADLINE`] passes.
pub fn poll<T>(attempt: impl FnMut() -> Option<T>) -> Option<T> {
    poll_until(ASYNC_DEADLINE, attempt)
}

/// Output of a command-line tool (pdftotext, pdfinfo) as text; panics if it fails.
pub fn tool_output(program: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(output.status.success(), "{program} failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of a PDF, through poppler's `pdftotext`.
pub fn pdf_text(pdf: &Path) -> String {
    tool_output("pdftotext", &[pdf.as_os_str(), "-".as_ref()])
}

/// The page count of a PDF, through poppler's `pdfinfo`.
pub fn pdf_pages(pdf: &Path) -> u32 {
    let info = tool_output("pdfinfo", &[pdf.as_os_str()]);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo output:\n{info}"))
}

/// The PDF version in the file header (`%PDF-1.6` → "1.6").
pub fn pdf_header_version(pdf: &Path) -> String {
    let bytes = std::fs::read(pdf).unwrap();
    let header = String::from_utf8_lossy(&bytes[..16.min(bytes.len())]).into_owned();
    header
        .strip_prefix("%PDF-")
        .map(|rest| {
            rest.chars()
                .take_while(|c| *c == '.' || c.is_ascii_digit())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until LibreOffice has applied the input posted so far on the current view, the way the
/// kit's input barrier does: a `.uno:ModifiedStatus` dispatched asynchronously runs behind the
/// queued key events, twice (a key's own follow-up event). Everything received meanwhile is
/// appended to `seen`, so callers can still inspect the callbacks the input caused. Like the
/// kit, a barrier that never reports back is given up after [`BARRIER_DEADLINE`] (noted on
/// stderr); callers still poll for the effect they expect.
pub fn settle(
    document: &oxool_kit::lok::Document,
    events: &Receiver<CallbackEvent>,
    seen: &mut Vec<CallbackEvent>,
) {
    use oxool_kit::lok::enums::callback;
    const ASYNC: &str = r#"{"SynchronMode":{"type":"boolean","value":false}}"#;
    let is_result = |e: &CallbackEvent| {
        e.kind == callback::UNO_COMMAND_RESULT && e.payload.contains(".uno:ModifiedStatus")
    };
    for round in 0..2 {
        document
            .post_uno_command(".uno:ModifiedStatus", Some(ASYNC), true)
            .expect("post the barrier command");
        let deadline = Instant::now() + BARRIER_DEADLINE;
        let before = seen.len();
        while !seen[before..].iter().any(is_result) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                eprintln!("barrier round {round}: no UNO_COMMAND_RESULT; going on");
                return;
            }
            if let Ok(event) = events.recv_timeout(left.min(Duration::from_millis(200))) {
                seen.push(event);
            }
        }
    }
}

/// How long [`settle`] waits for one barrier round.
const BARRIER_DEADLINE: Duration = Duration::from_secs(10);
