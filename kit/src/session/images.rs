//! `insert-image` (docs/kit-protocol.md): an image from a user's computer, inserted at the
//! view's cursor. The bytes arrive in the message; LibreOffice inserts graphics from a file, so
//! the kit writes them into its own jail's /tmp (private to this kit, so to this document),
//! under a name of its own making, lets LibreOffice read them, and removes the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use oxool_proto::images::{check_image, ImageRefusal};

use super::barrier::{self, INSERT_GRAPHIC};
use super::SessionError;
use crate::lok::file_url;
use crate::lok::Document;

/// Inside the jail: where images wait for LibreOffice to read them.
const IMAGE_DIR: &str = "/tmp/images";
/// LibreOffice decodes the image before its result comes; a large photo takes a while.
const INSERT_TIMEOUT: Duration = Duration::from_secs(60);

/// One image to insert: checked, with the path the kit will write it to.
pub struct ImageFile {
    path: PathBuf,
}

impl ImageFile {
    /// Checks `bytes` and `name` (the same rule wsd applied) and picks the file's path; the
    /// `serial` keeps two insertions of one name apart.
    pub fn prepare(name: &str, bytes: &[u8], serial: u64) -> Result<ImageFile, ImageRefusal> {
        let (_, safe) = check_image(name, bytes)?;
        Ok(ImageFile {
            path: Path::new(IMAGE_DIR).join(format!("{serial}-{safe}")),
        })
    }

    /// Writes the bytes, inserts the graphic in the current view and waits for LibreOffice to
    /// have run the command, then removes the file whatever happened.
    pub fn insert(
        &self,
        document: &Document,
        barrier: &barrier::Barrier,
        bytes: &[u8],
    ) -> Result<(), SessionError> {
        std::fs::create_dir_all(IMAGE_DIR)?;
        std::fs::write(&self.path, bytes)?;
        let result = self.dispatch(document, barrier);
        let _ = std::fs::remove_file(&self.path);
        result
    }

    fn dispatch(
        &self,
        document: &Document,
        barrier: &barrier::Barrier,
    ) -> Result<(), SessionError> {
        let url = file_url(&self.path).map_err(|source| SessionError::Lok {
            step: "name the image",
            source,
        })?;
        // SynchronMode=false queues it behind the input posted before, as a user's command.
        let arguments = serde_json::json!({
            "FileName": {"type": "string", "value": url},
            "AsLink": {"type": "boolean", "value": false},
            "SynchronMode": {"type": "boolean", "value": false},
        })
        .to_string();
        let result = barrier
            .dispatch_and_wait(document, INSERT_GRAPHIC, &arguments, INSERT_TIMEOUT)
            .map_err(|source| SessionError::Lok {
                step: "insert the image",
                source,
            })?;
        // Only the result's arrival counts: LibreOffice 7.4's Calc and Impress report
        // `success: false` for an image they did insert (seen in specs/insert-image.spec.js).
        match result {
            Some(_) => Ok(()),
            None => Err(SessionError::Image(
                "LibreOffice did not insert the image in time".into(),
            )),
        }
    }
}
