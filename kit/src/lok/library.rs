//! Opening `libmergedlo.so` and the two LOK entry points: preinit (zygote) and init (kit).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libloading::os::unix::{Library, Symbol, RTLD_GLOBAL, RTLD_NOW};

use super::ffi::{LibreOfficeKit, LokHook2, LokPreinit2, SYMBOL_HOOK_2, SYMBOL_PREINIT_2};
use super::strings::{c_path, c_string};
use super::{LokError, Office, MERGED_LIBRARY};

/// The opened LibreOffice library.
pub struct LokLibrary {
    library: Arc<Library>,
    path: PathBuf,
}

impl LokLibrary {
    /// `dlopen`s `<program_dir>/libmergedlo.so` with `RTLD_NOW | RTLD_GLOBAL`, as LibreOffice's
    /// own `lok_init` does: `RTLD_NOW` so a missing symbol fails here and not in a kit mid-load,
    /// `RTLD_GLOBAL` because the UNO component libraries LibreOffice loads later resolve symbols
    /// against it.
    pub fn open(program_dir: &Path) -> Result<LokLibrary, LokError> {
        let path = program_dir.join(MERGED_LIBRARY);
        // SAFETY: loading LibreOffice runs its static constructors; they only set up
        // LibreOffice's own globals and start no thread (preinit does that later).
        let library = unsafe { Library::open(Some(path.as_path()), RTLD_NOW | RTLD_GLOBAL) }
            .map_err(|source| LokError::LibraryOpen {
                path: path.clone(),
                source,
            })?;
        Ok(LokLibrary {
            library: Arc::new(library),
            path,
        })
    }

    /// The library file that was opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Preinitialises LibreOffice in the zygote: `lok_preinit_2(program_dir, profile_url, &kit)`.
    ///
    /// Sets nothing in the environment: LibreOffice 7.4 ignores `profile_url` here and reads
    /// `UserInstallation`, which the caller must set (to a writable, pre-seeded profile) before.
    /// Afterwards the process has a short-lived extra thread; wait for it before forking.
    pub fn preinit(&self, program_dir: &Path, profile_url: &str) -> Result<(), LokError> {
        let program = c_path(program_dir)?;
        let profile = c_string(profile_url)?;
        let preinit: Symbol<LokPreinit2> = self.symbol(SYMBOL_PREINIT_2)?;
        self.pin_forever();
        let mut kit: *mut LibreOfficeKit = std::ptr::null_mut();
        // SAFETY: both strings are NUL-terminated and outlive the call; `kit` is a valid out
        // pointer. The library stays mapped for the life of the process (pinned above).
        let code = unsafe { preinit(program.as_ptr(), profile.as_ptr(), &mut kit) };
        if code == 0 {
            Ok(())
        } else {
            Err(LokError::PreinitFailed { code })
        }
    }

    /// Initialises LibreOffice and returns the office: `libreofficekit_hook_2(program_dir,
    /// profile_url)`. In a kit this follows the zygote's preinit (and is then cheap); a process
    /// that does not fork calls it directly. Starts LibreOffice's threads: everything that needs
    /// a single-threaded process (user namespaces) must be done before.
    pub fn init(&self, program_dir: &Path, profile_url: &str) -> Result<Office, LokError> {
        let program = c_path(program_dir)?;
        let profile = c_string(profile_url)?;
        let hook: Symbol<LokHook2> = self.symbol(SYMBOL_HOOK_2)?;
        self.pin_forever();
        // SAFETY: both strings are NUL-terminated and outlive the call; the library stays
        // mapped for the life of the process (pinned above).
        let kit = unsafe { hook(program.as_ptr(), profile.as_ptr()) };
        // SAFETY: a non-null result is the office LibreOffice created; it lives as long as the
        // process because we never call its destroy.
        unsafe { Office::from_raw(kit) }.ok_or(LokError::InitFailed)
    }

    fn symbol<T>(&self, name: &'static str) -> Result<Symbol<T>, LokError> {
        // SAFETY: `T` is the exact C signature of `name` from LibreOfficeKitInit.h (see ffi).
        unsafe { self.library.get::<T>(name) }.map_err(|source| LokError::MissingSymbol {
            path: self.path.clone(),
            name,
            source,
        })
    }

    /// Keeps the library mapped until the process ends. Once LibreOffice has started (even
    /// partially) its threads and atexit handlers point into it; `dlclose` would pull the code
    /// from under them.
    fn pin_forever(&self) {
        std::mem::forget(Arc::clone(&self.library));
    }
}
