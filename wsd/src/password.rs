//! A document's password as a client gives it (`load … password=`, convert-to's `password`
//! field). It only travels to the kit that opens the document: its `Debug` is redacted and
//! nothing prints it, so it never reaches a log.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct DocumentPassword(String);

impl DocumentPassword {
    /// `None` for an empty password: LibreOffice cannot tell it from none.
    pub fn new(password: impl Into<String>) -> Option<DocumentPassword> {
        let password = password.into();
        (!password.is_empty()).then_some(DocumentPassword(password))
    }

    /// The password itself, for the kit message. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DocumentPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DocumentPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let password = DocumentPassword::new("s3cret").unwrap();
        assert!(!format!("{password:?}").contains("s3cret"));
        assert_eq!(password.expose(), "s3cret");
        assert!(DocumentPassword::new("").is_none());
    }
}
