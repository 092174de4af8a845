//! The WOPI client's plumbing: the HTTP client, the allow-list check, request URLs, proof
//! headers, status mapping, capped body reads and retries. The calls themselves are in calls.rs.
//!
//! Choices that keep tokens and hosts safe:
//! - redirects are never followed (`Policy::none()`): a redirect would carry the token to
//!   another host, and a redirect loop must fail at once instead of spinning;
//! - the allow-list is checked on every request URL before anything is sent;
//! - the `access_token` query is built by hand, so the proof signs exactly the URL sent;
//! - errors are built without URLs (see error.rs).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderName, HeaderValue, CONTENT_LENGTH};
use url::Url;

use super::error::{WopiCall, WopiError};
use super::proof::{dotnet_ticks, ProofKeys};
use super::resolve::AllowListResolver;
use super::src::WopiSrc;
use super::token::AccessToken;
use crate::config::wopi_hosts::{host_allowed, WopiHostPattern};
use crate::config::StorageConfig;

/// The token goes into the query percent-encoded except for RFC 3986's unreserved characters.
const TOKEN_QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Backoff before the second attempt; doubled each time, capped at [`MAX_BACKOFF`].
const DEFAULT_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Header values taken from a host's answer are cut to this many bytes.
const MAX_ECHOED_HEADER: usize = 256;

/// How long an idle connection to a storage host is kept for the next request. The pool only
/// looks every this often, so one is closed 1–2 times this after its last use: short enough that
/// a burst of parallel saves does not leave descriptors open for minutes, long enough that a
/// document's lock refreshes and saves reuse one.
const STORAGE_IDLE_CONNECTION: Duration = Duration::from_secs(30);
/// At most this many idle connections per storage host: more parallel requests open more
/// connections, but only these are kept afterwards.
const STORAGE_IDLE_CONNECTIONS_PER_HOST: usize = 8;

pub struct WopiClient {
    pub(super) http: reqwest::Client,
    allow: Arc<[WopiHostPattern]>,
    proof: Option<Arc<ProofKeys>>,
    pub(super) timeout: Duration,
    retries: u32,
    backoff: Duration,
    max_file_bytes: u64,
}

impl WopiClient {
    /// A client for `storage`; `proof` signs every request when given.
    pub fn new(
        storage: &StorageConfig,
        proof: Option<Arc<ProofKeys>>,
    ) -> Result<WopiClient, WopiError> {
        let timeout = Duration::from_secs(storage.timeout_secs);
        let allow: Arc<[WopiHostPattern]> = storage.wopi_hosts.clone().into();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, out of reach of the address check.
            .no_proxy()
            .dns_resolver(AllowListResolver::new(allow.clone()))
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .pool_idle_timeout(STORAGE_IDLE_CONNECTION)
            .pool_max_idle_per_host(STORAGE_IDLE_CONNECTIONS_PER_HOST)
            .user_agent(concat!("oxool/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &storage.ca_file {
            let ca_error = |reason: String| WopiError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certificates =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ca_error(e.to_string()))?;
            if certificates.is_empty() {
                return Err(ca_error("no certificate in the file".into()));
            }
            builder = builder.tls_certs_merge(certificates);
        }
        if storage.insecure_skip_verify {
            tracing::warn!(
                "WARNING: storage.insecure_skip_verify = true: certificates of WOPI hosts are NOT \
                 verified, anyone on the network path can read documents and tokens. \
                 Development only, never in production."
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder.build().map_err(|e| WopiError::ClientSetup {
            reason: e.without_url().to_string(),
        })?;
        Ok(WopiClient {
            http,
            allow,
            proof,
            timeout,
            retries: storage.retries,
            backoff: DEFAULT_BACKOFF,
            max_file_bytes: storage.max_file_bytes(),
        })
    }

    /// Changes the first retry's backoff (tests use a short one).
    pub fn with_backoff(mut self, first: Duration) -> WopiClient {
        self.backoff = first;
        self
    }

    /// `storage.max_file_mb` in bytes: the usual `limit` of [`WopiClient::get_file`].
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// Refuses a URL whose scheme, host and port are not in `storage.wopi_hosts`.
    pub fn check_allowed(&self, url: &Url) -> Result<(), WopiError> {
        if self.allow.is_empty() {
            Err(WopiError::NoHostsConfigured {
                origin: url.origin().ascii_serialization(),
            })
        } else if host_allowed(&self.allow, url) {
            Ok(())
        } else {
            Err(WopiError::HostNotAllowed {
                origin: url.origin().ascii_serialization(),
            })
        }
    }

    /// `<WOPISrc><suffix>?<WOPISrc query>&access_token=<token>`, checked against the
    /// allow-list.
    pub(super) fn endpoint(
        &self,
        src: &WopiSrc,
        suffix: &str,
        token: &AccessToken,
    ) -> Result<Url, WopiError> {
        if token.is_empty() {
            return Err(WopiError::MissingToken);
        }
        let base = src.url();
        let mut text = base[..url::Position::AfterPath].to_string();
        if !suffix.is_empty() {
            while text.ends_with('/') {
                text.pop();
            }
            text.push_str(suffix);
        }
        text.push('?');
        if let Some(query) = base.query().filter(|q| !q.is_empty()) {
            text.push_str(query);
            text.push('&');
        }
        text.push_str("access_token=");
        text.extend(utf8_percent_encode(token.expose(), TOKEN_QUERY));
        // The parse error names no part of the input, so it cannot leak the token.
        let url = Url::parse(&text).map_err(|e| WopiError::ClientSetup {
            reason: format!("cannot build the request URL: {e}"),
        })?;
        self.check_allowed(&url)?;
        Ok(url)
    }

    /// A request to `url` with the proof headers, signed for this attempt's moment.
    pub(super) fn request(
        &self,
        method: reqwest::Method,
        url: &Url,
        token: &AccessToken,
    ) -> Result<reqwest::RequestBuilder, WopiError> {
        let mut request = self.http.request(method, url.clone());
        if let Some(keys) = &self.proof {
            let ticks = dotnet_ticks(SystemTime::now());
            let proof = keys.sign(token.expose(), url.as_str(), ticks)?;
            request = request
                .header("X-WOPI-TimeStamp", ticks.to_string())
                .header("X-WOPI-Proof", proof.proof)
                .header("X-WOPI-ProofOld", proof.proof_old);
        }
        Ok(request)
    }

    /// Runs `attempt` once, and again after a growing, jittered pause while it fails with a
    /// transient error and `call` is idempotent, at most `storage.retries` more times.
    pub(super) async fn retrying<T, F, Fut>(
        &self,
        call: WopiCall,
        mut attempt: F,
    ) -> Result<T, WopiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, WopiError>>,
    {
        let mut tries = 0u32;
        loop {
            match attempt().await {
                Err(error) if error.transient() && call.idempotent() && tries < self.retries => {
                    let pause = backoff(self.backoff, tries);
                    tracing::warn!(
                        call = call.name(),
                        kind = error.kind(),
                        retry_in_ms = pause.as_millis() as u64,
                        "WOPI call failed, retrying: {error}"
                    );
                    tokio::time::sleep(pause).await;
                    tries += 1;
                }
                result => return result,
            }
        }
    }
}

/// `first · 2^tries`, capped, with full jitter: each retry waits a random time up to that, so
/// many documents failing together do not hammer the host in step.
fn backoff(first: Duration, tries: u32) -> Duration {
    let ceiling = first
        .saturating_mul(1u32.checked_shl(tries).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    // Never zero: half the ceiling at least, so retries stay spaced out.
    Duration::from_millis(millis / 2 + rand::random_range(0..=millis / 2))
}

/// The error for an answer that is not a success the call expects.
pub(super) fn status_error(call: WopiCall, status: reqwest::StatusCode) -> WopiError {
    let code = status.as_u16();
    match code {
        300..=399 => WopiError::Redirect { call, status: code },
        401 | 403 => WopiError::Unauthorized { call, status: code },
        404 => WopiError::NotFound { call },
        500..=599 => WopiError::ServerError { call, status: code },
        _ => WopiError::UnexpectedStatus { call, status: code },
    }
}

/// Reads a body of at most `cap` bytes; `too_large` is the error past it. A `Content-Length`
/// over the cap fails before reading anything.
pub(super) async fn read_capped(
    call: WopiCall,
    mut response: reqwest::Response,
    cap: u64,
    too_large: impl Fn(u64) -> WopiError,
) -> Result<Vec<u8>, WopiError> {
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = announced {
        if length > cap {
            return Err(too_large(length));
        }
    }
    let capacity = usize::try_from(announced.unwrap_or(0).min(cap)).unwrap_or(0);
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| WopiError::transport(call, e))?
    {
        let total = body.len() as u64 + chunk.len() as u64;
        if total > cap {
            return Err(too_large(total));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A header of the host's answer as text, cut to a sane length; `None` when absent or empty.
pub(super) fn echoed_header(response: &reqwest::Response, name: &str) -> Option<String> {
    let value = response.headers().get(name)?.to_str().ok()?.trim();
    if value.is_empty() {
        return None;
    }
    let mut end = value.len().min(MAX_ECHOED_HEADER);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Some(value[..end].to_string())
}

/// A header value we send; values containing CR/LF or non-visible bytes are refused rather
/// than sent broken.
pub(super) fn header(
    name: &'static str,
    value: &str,
) -> Result<(HeaderName, HeaderValue), WopiError> {
    let value = HeaderValue::from_str(value).map_err(|_| WopiError::ClientSetup {
        reason: format!("{name}: not a valid header value"),
    })?;
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| WopiError::ClientSetup {
        reason: format!("{name}: not a valid header name"),
    })?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = Duration::from_millis(100);
        for tries in 0..40 {
            let pause = backoff(first, tries);
            let ceiling = (first * 2u32.saturating_pow(tries.min(20))).min(MAX_BACKOFF);
            assert!(
                pause >= ceiling / 2 && pause <= ceiling,
                "{tries}: {pause:?}"
            );
        }
    }
}
