//! Access tokens: who may do what to which file until when, signed with HMAC-SHA256.
//!
//! The key is kept in `[local_store] token_key_file` (token_key.rs), so tokens outlive a
//! restart of wsd until they expire; deleting the file revokes them all. The token is
//! `base64url(claims JSON) "." base64url(tag)`: self-contained, no server-side table.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// What a valid token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(rename = "f")]
    pub file_id: String,
    #[serde(rename = "u")]
    pub user: String,
    #[serde(rename = "w")]
    pub can_write: bool,
    /// Unix seconds after which the token is refused.
    #[serde(rename = "e")]
    pub expires: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token is missing")]
    Missing,
    #[error("the access token is malformed")]
    Malformed,
    #[error("the access token's signature does not match")]
    BadSignature,
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is for another file")]
    OtherFile,
}

pub struct TokenSigner {
    key: hmac::Key,
}

impl TokenSigner {
    pub fn new(secret: &[u8]) -> TokenSigner {
        TokenSigner {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }

    pub fn issue(&self, file_id: &str, user: &str, can_write: bool, ttl: Duration) -> String {
        let expires = unix_now().saturating_add(ttl.as_secs());
        let claims = Claims {
            file_id: file_id.to_owned(),
            user: user.to_owned(),
            can_write,
            expires,
        };
        // Serialising a struct of strings, a bool and an integer cannot fail.
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let tag = hmac::sign(&self.key, &payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The claims of `token` if its signature holds, it has not expired and it is for `file_id`.
    pub fn verify(&self, token: &str, file_id: &str) -> Result<Claims, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        let (payload, tag) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Malformed)?;
        // Constant-time comparison inside aws-lc; the claims are only parsed once they are ours.
        hmac::verify(&self.key, &payload, &tag).map_err(|_| TokenError::BadSignature)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if unix_now() >= claims.expires {
            return Err(TokenError::Expired);
        }
        if claims.file_id != file_id {
            return Err(TokenError::OtherFile);
        }
        Ok(claims)
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn accepts_its_own_tokens() {
        let signer = TokenSigner::new(b"secret one");
        let token = signer.issue("ZmlsZQ", "alice", true, HOUR);
        let claims = signer.verify(&token, "ZmlsZQ").unwrap();
        assert_eq!((claims.user.as_str(), claims.can_write), ("alice", true));
    }

    #[test]
    fn refuses_forgeries() {
        let signer = TokenSigner::new(b"secret one");
        let token = signer.issue("ZmlsZQ", "alice", false, HOUR);
        let other = TokenSigner::new(b"secret two");
        assert_eq!(
            other.verify(&token, "ZmlsZQ"),
            Err(TokenError::BadSignature)
        );
        assert_eq!(signer.verify(&token, "b3RoZXI"), Err(TokenError::OtherFile));
        // Claims rewritten to grant writing, old tag kept.
        let (_, tag) = token.split_once('.').unwrap();
        let claims = Claims {
            file_id: "ZmlsZQ".into(),
            user: "alice".into(),
            can_write: true,
            expires: u64::MAX,
        };
        let forged = format!(
            "{}.{tag}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
        );
        assert_eq!(
            signer.verify(&forged, "ZmlsZQ"),
            Err(TokenError::BadSignature)
        );
        assert_eq!(signer.verify("", "ZmlsZQ"), Err(TokenError::Missing));
        assert_eq!(signer.verify("abc", "ZmlsZQ"), Err(TokenError::Malformed));
        assert_eq!(signer.verify("a!.b", "ZmlsZQ"), Err(TokenError::Malformed));
    }

    #[test]
    fn refuses_expired() {
        let signer = TokenSigner::new(b"secret");
        let token = signer.issue("ZmlsZQ", "alice", true, Duration::ZERO);
        assert_eq!(signer.verify(&token, "ZmlsZQ"), Err(TokenError::Expired));
    }
}
