//! LibreOffice inside the real jail under the real seccomp allowlist, in the forkit's shape:
//! preinit once, fork, `jail::enter`, install the filter, then `libreofficekit_hook_2`; the kit
//! loads Writer, Calc and Impress documents, renders a tile, types, and saves every supported
//! format (PDF included, which needs NSS and /dev/urandom), then loads its own OOXML/ODF output
//! again. A syscall missing from the allowlist ends the kit with `error kind=seccomp syscall=…`,
//! which this test prints and fails on.
//!
//! LibreOffice can be initialised once per process, so the work runs in a re-executed copy of
//! this test binary.

mod jail_support;
#[path = "lok_support.rs"]
mod lok_support;

use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use jail_support::{
    copy_of_current_exe, report, run_jailed_with, unprivileged_test_user, FdPolicy, Fixture,
};
use lok_support::{copy_dir, fixtures, poll_until, ASYNC_DEADLINE};
use nix::sys::wait::WaitStatus;
use oxool_kit::lok::{DocumentType, LokLibrary, TileArea, DEFAULT_PROGRAM_DIR};
use oxool_kit::seccomp::SeccompProgram;
use oxool_proto::Message;

const INNER_ENV: &str = "OXOOL_JAIL_LOK_INNER";
const TEST_NAME: &str = "libreoffice_works_in_the_jail_under_seccomp";

/// (fixture, formats to save to, saved formats to load back).
const DOCUMENTS: &[(&str, &[&str], &[&str])] = &[
    ("simple.docx", &["pdf", "odt", "docx", "txt"], &["odt"]),
    ("simple.fodt", &["docx", "pdf"], &["docx"]),
    (
        "simple.fods",
        &["xlsx", "ods", "csv", "pdf"],
        &["xlsx", "ods"],
    ),
    ("simple.fodp", &["pptx", "odp", "pdf"], &["pptx", "odp"]),
];

/// What this machine lacks to run LibreOffice in a kit, if anything.
fn lok_missing() -> Option<String> {
    let library = Path::new(DEFAULT_PROGRAM_DIR).join("libmergedlo.so");
    (!library.exists()).then(|| format!("LibreOffice ({} is missing)", library.display()))
}

#[test]
fn libreoffice_works_in_the_jail_under_seccomp() {
    if jail_support::environment::skip_without(TEST_NAME, lok_missing()) {
        return;
    }
    if std::env::var_os(INNER_ENV).is_some() {
        inner();
    }
    let scratch = tempfile::tempdir().unwrap();
    let output = inner_command(&std::env::current_exe().unwrap(), scratch.path())
        .output()
        .unwrap();
    check_inner_output(&output);
}

/// The same kit as the unprivileged `oxool-test` user (created when absent; root only).
#[test]
fn libreoffice_works_in_the_jail_as_an_unprivileged_user() {
    if std::env::var_os(INNER_ENV).is_some() {
        // This process is the re-executed kit of the other test.
        return;
    }
    let missing = lok_missing().or_else(|| {
        (!nix::unistd::getuid().is_root()).then(|| "root (to create the oxool-test user)".into())
    });
    if jail_support::environment::skip_without("the unprivileged jailed-LibreOffice test", missing)
    {
        return;
    }
    let (uid, gid) = unprivileged_test_user().expect("cannot create the oxool-test user");
    let exe_dir = tempfile::Builder::new()
        .prefix("oxool-lok-exe-")
        .tempdir()
        .unwrap();
    let exe = copy_of_current_exe(exe_dir.path());
    let scratch = tempfile::tempdir().unwrap();
    let chown = |path: &Path| nix::unistd::chown(path, Some(uid.into()), Some(gid.into())).unwrap();
    chown(scratch.path());
    let mut setpriv = Command::new("setpriv");
    setpriv.args([
        format!("--reuid={uid}"),
        format!("--regid={gid}"),
        "--clear-groups".into(),
    ]);
    let inner = inner_command(&exe, scratch.path());
    setpriv
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir("/");
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            setpriv.env(key, value);
        }
    }
    chown(&scratch.path().join("home"));
    let output = setpriv.output().unwrap();
    check_inner_output(&output);
    let expected = format!("kit runs as uid {uid}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&expected),
        "not run as {uid}"
    );
}

/// The re-execution of this test binary that does the work (`inner`).
fn inner_command(exe: &Path, scratch: &Path) -> Command {
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(exe);
    command
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(INNER_ENV, scratch)
        .env("HOME", &home)
        .env("TMPDIR", scratch);
    command
}

fn check_inner_output(output: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("--- kit run ---\n{stdout}\n--- stderr ---\n{stderr}");
    assert!(
        !stderr.contains("seccomp denied"),
        "the allowlist is missing a syscall"
    );
    assert!(
        stdout.contains("OXOOL-JAIL-LOK-PASSED"),
        "jailed LibreOffice failed"
    );
}

/// The re-executed process: preinit, then one jailed kit does all the work.
fn inner() -> ! {
    let scratch = PathBuf::from(std::env::var_os(INNER_ENV).unwrap());
    let passed = std::panic::catch_unwind(|| run_kit(&scratch)).is_ok();
    if passed {
        println!("OXOOL-JAIL-LOK-PASSED");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: LibreOffice's preinit thread may be alive: leave without atexit handlers.
    unsafe { libc::_exit(if passed { 0 } else { 1 }) }
}

fn run_kit(scratch: &Path) {
    println!("kit runs as uid {}", nix::unistd::getuid());
    let program = Path::new(DEFAULT_PROGRAM_DIR);
    let profile = scratch.join("preinit-profile");
    copy_dir(&fixtures().join("seed-profile"), &profile);
    let profile_url = format!("file://{}", profile.display());
    std::env::set_var("UserInstallation", &profile_url);
    let threads = || std::fs::read_dir("/proc/self/task").unwrap().count();
    let before = threads();
    let library = LokLibrary::open(program).expect("open libmergedlo.so");
    library
        .preinit(program, &profile_url)
        .expect("lok_preinit_2");
    let settled = poll_until(ASYNC_DEADLINE, || (threads() == before).then_some(()));
    assert!(settled.is_some(), "preinit's threads did not end");
    // What preinit left open: a kit must keep these (see the note on run_jailed_with below).
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let target = std::fs::read_link(entry.path()).unwrap_or_default();
        println!(
            "FD {} -> {}",
            entry.file_name().to_string_lossy(),
            target.display()
        );
    }
    // Compiled before the fork, as the zygote does; documents read before the jail hides them.
    let seccomp = SeccompProgram::compile_kit_allowlist().expect("allowlist");
    let documents: Vec<(String, Vec<u8>)> = DOCUMENTS
        .iter()
        .map(|(name, _, _)| {
            (
                name.to_string(),
                std::fs::read(fixtures().join(name)).unwrap(),
            )
        })
        .collect();
    let fixture = Fixture::create();
    let cfg = fixture.config();
    // The kit keeps what preinit opened: closing every descriptor (as a plain kit may) takes the
    // headless backend's wake-up pipe away and LibreOffice aborts in SvpSalInstance::ImplYield.
    let run = run_jailed_with(&cfg, FdPolicy::CloseOnly(&[]), |fd, _, _| {
        if let Err(err) = seccomp.install(fd) {
            report(
                fd,
                Message::new("error")
                    .arg("kind", "seccomp-install")
                    .arg("message", err),
            );
            return;
        }
        std::env::set_var("HOME", "/tmp/home");
        std::env::set_var("TMPDIR", "/tmp");
        work_in_jail(fd, &library, &documents);
    });
    for frame in &run.frames {
        println!("KIT {frame}");
    }
    assert_eq!(
        run.status,
        WaitStatus::Exited(run.status.pid().unwrap(), 0),
        "kit status"
    );
    assert!(run.find("done").is_some(), "the kit did not finish");
    let saves: Vec<_> = run.frames.iter().filter(|m| m.name == "saved").collect();
    let expected: usize = DOCUMENTS.iter().map(|(_, formats, _)| formats.len()).sum();
    assert_eq!(saves.len(), expected);
    for save in saves {
        let bytes: u64 = save.get("bytes").unwrap().parse().unwrap();
        assert!(bytes > 0, "empty output: {save}");
    }
    let loads = run.frames.iter().filter(|m| m.name == "loaded").count();
    let reloads: usize = DOCUMENTS.iter().map(|(_, _, again)| again.len()).sum();
    assert_eq!(loads, DOCUMENTS.len() + reloads);
    for loaded in run.frames.iter().filter(|m| m.name == "loaded") {
        let ink: u64 = loaded.get("tile_ink").unwrap().parse().unwrap();
        assert!(ink > 0, "blank tile: {loaded}");
        assert_eq!(
            loaded.get("typed"),
            Some("1"),
            "typed text never arrived: {loaded}"
        );
    }
}

/// Inside the jail, under seccomp: LibreOffice starts its threads only now.
fn work_in_jail(fd: RawFd, library: &LokLibrary, documents: &[(String, Vec<u8>)]) {
    let office = match library.init(Path::new(DEFAULT_PROGRAM_DIR), "file:///tmp/user") {
        Ok(office) => office,
        Err(err) => {
            return report(
                fd,
                Message::new("error")
                    .arg("kind", "init")
                    .arg("message", err),
            )
        }
    };
    let work = Path::new("/tmp/work");
    std::fs::create_dir_all(work).unwrap();
    for ((name, formats, again), (_, bytes)) in DOCUMENTS.iter().zip(documents) {
        let input = work.join(name);
        std::fs::write(&input, bytes).unwrap();
        let stem = name.split('.').next().unwrap();
        let outputs = load_edit_save(fd, &office, &input, stem, formats);
        for format in again.iter() {
            let saved = outputs
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == *format));
            if let Some(saved) = saved {
                load_edit_save(fd, &office, saved, &format!("{stem}-again"), &[]);
            }
        }
    }
    report(fd, Message::new("done"));
}

fn load_edit_save(
    fd: RawFd,
    office: &oxool_kit::lok::Office,
    input: &Path,
    stem: &str,
    formats: &[&str],
) -> Vec<PathBuf> {
    let name = input.file_name().unwrap().to_string_lossy().into_owned();
    let document = match office.load(input, "Language=en-US") {
        Ok(document) => document,
        Err(err) => {
            report(
                fd,
                Message::new("error")
                    .arg("kind", "load")
                    .arg("name", &name)
                    .arg("message", err),
            );
            return Vec::new();
        }
    };
    let _ = document.initialize_for_rendering("");
    let mut tile = vec![0u8; 256 * 256 * 4];
    let ink = match document.paint_tile(&mut tile, TileArea::top_left(256, 7680)) {
        Ok(()) => tile
            .chunks_exact(4)
            .filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200)
            .count(),
        Err(_) => 0,
    };
    // Type a marker of this load into a second view (threads, callbacks) and wait until the
    // document's text has it: input is asynchronous in LibreOffice. Impress takes typed text
    // only into a selected shape, so a presentation is not checked for it.
    let _ = document.create_view();
    let marker = next_marker();
    for ch in marker.chars() {
        let _ = document.post_key_event(0, ch as i32, 0);
        let _ = document.post_key_event(1, ch as i32, 0);
    }
    let _ = document.post_key_event(0, 13, 1280);
    let _ = document.post_key_event(1, 13, 1280);
    let presentation = matches!(document.document_type(), Ok(DocumentType::Presentation));
    let typed = presentation || text_arrives(&document, &marker);
    report(
        fd,
        Message::new("loaded")
            .arg("name", &name)
            .arg("tile_ink", ink)
            .arg("typed", u8::from(typed)),
    );
    let mut outputs = Vec::new();
    for format in formats {
        let output = input.with_file_name(format!("{stem}-out.{format}"));
        let saved = document.save_as(&output, format, None);
        let bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
        let mut message = Message::new("saved")
            .arg("name", &name)
            .arg("format", format)
            .arg("bytes", bytes);
        if let Err(err) = saved {
            message = message.arg("error", err);
        }
        report(fd, message);
        outputs.push(output);
    }
    outputs
}

/// "oxoola", "oxoolb", …: a text no fixture has and every load types anew (a spreadsheet
/// reopened with its cell cursor on the cell typed before overwrites it).
fn next_marker() -> String {
    static LOADS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
    let n = LOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("oxool{}", char::from(b'a' + n % 26))
}

/// Whether the document's text (select all, then the selection as plain text; both are
/// asynchronous, hence the polling) has `marker` within 30 s. No tokio in the jail: plain
/// threads. Each check reads what the one before selected, then selects all again.
fn text_arrives(document: &oxool_kit::lok::Document, marker: &str) -> bool {
    let found = poll_until(Duration::from_secs(30), || {
        let text = document
            .get_text_selection("text/plain;charset=utf-8")
            .map(|(text, _)| text)
            .unwrap_or_default();
        // Writer's autocorrect capitalises the first letter of a sentence.
        if text.to_lowercase().contains(marker) {
            return Some(());
        }
        let _ = document.post_uno_command(".uno:SelectAll", None, false);
        None
    });
    let _ = document.reset_selection();
    found.is_some()
}
