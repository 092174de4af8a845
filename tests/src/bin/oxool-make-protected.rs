//! oxool-make-protected: password-protected documents made by LibreOffice itself, for the tests
//! of password prompts (tests/src/protected.rs). Not a sandboxed kit: a plain LibreOfficeKit
//! process on the host that loads one document and saves it with a password.
//!
//! usage: oxool-make-protected INPUT PASSWORD OUTPUT...
//!
//! Each OUTPUT is written with `.uno:SaveAs` and `Password` (the way File ▸ Save As ▸ "Save with
//! password" does it; LOK's `saveAs` cannot encrypt), in the format its extension names: odt,
//! ods, docx, xlsx. The profile is a copy of tests/fixtures/seed-profile in a scratch directory.
//! Exit status 0 when every output exists; LibreOffice's threads are left with `_exit`.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use oxool_kit::lok::{enums::callback, file_url, LokLibrary, DEFAULT_PROGRAM_DIR};

fn main() {
    let status = match run() {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("oxool-make-protected: {error:#}");
            1
        }
    };
    // SAFETY: ends the process without the atexit handlers LibreOffice's threads trip over.
    unsafe { libc::_exit(status) }
}

fn filter_for(output: &Path) -> anyhow::Result<&'static str> {
    Ok(
        match output.extension().and_then(|e| e.to_str()).unwrap_or("") {
            "odt" => "writer8",
            "ods" => "calc8",
            "docx" => "MS Word 2007 XML",
            "xlsx" => "Calc MS Excel 2007 XML",
            other => bail!("no filter for the extension {other:?}"),
        },
    )
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        bail!("usage: oxool-make-protected INPUT PASSWORD OUTPUT...");
    }
    let input = std::fs::canonicalize(&args[0]).context("the input")?;
    let password = &args[1];
    let outputs: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();

    let scratch = tempfile::Builder::new()
        .prefix("oxool-make-protected-")
        .tempdir()?;
    let profile = scratch.path().join("profile");
    copy_dir(&oxool_tests::fixture("seed-profile"), &profile)?;
    for dir in ["tmp", "home", "work"] {
        std::fs::create_dir_all(scratch.path().join(dir))?;
    }
    // Single-threaded until LibreOffice starts: setting the environment is sound here.
    std::env::set_var("TMPDIR", scratch.path().join("tmp"));
    std::env::set_var("HOME", scratch.path().join("home"));
    // LibreOffice writes a lock file next to what it opens: work on a copy.
    let work_input = scratch.path().join("work").join(input.file_name().unwrap());
    std::fs::copy(&input, &work_input)?;

    let library = LokLibrary::open(Path::new(DEFAULT_PROGRAM_DIR))?;
    let office = library.init(Path::new(DEFAULT_PROGRAM_DIR), &file_url(&profile)?)?;
    let mut document = office.load(&work_input, "Batch=true")?;
    let (sender, events) = mpsc::channel();
    document.register_channel(sender)?;
    for output in &outputs {
        let target = std::path::absolute(output)?;
        let arguments = serde_json::json!({
            "URL": {"type": "string", "value": file_url(&target)?},
            "FilterName": {"type": "string", "value": filter_for(output)?},
            "Password": {"type": "string", "value": password},
        });
        document.post_uno_command(".uno:SaveAs", Some(&arguments.to_string()), true)?;
        wait_for_result(&events)?;
        let size = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            bail!("LibreOffice wrote no {}", target.display());
        }
    }
    Ok(())
}

/// Waits for `.uno:SaveAs`'s UNO_COMMAND_RESULT; fails if LibreOffice reports failure.
fn wait_for_result(events: &mpsc::Receiver<oxool_kit::lok::CallbackEvent>) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let event = events
            .recv_timeout(left)
            .context("no answer to .uno:SaveAs")?;
        if event.kind != callback::UNO_COMMAND_RESULT {
            continue;
        }
        let result: serde_json::Value = serde_json::from_str(&event.payload)?;
        if result["commandName"] == ".uno:SaveAs" {
            if result["success"] == true {
                return Ok(());
            }
            bail!("LibreOffice could not save: {}", event.payload);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
