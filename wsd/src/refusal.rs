//! How a refused HTTP request looks on the wire, and the `net.post_allow` gate that refuses
//! most of them; shared by the routes in http.rs and the handlers in their own modules
//! (convert_to.rs), which therefore do not import each other.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// An error answer: a status and a short plain-text reason (never the request's content).
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: String,
    pub retry_after_secs: Option<u64>,
}

impl Refusal {
    pub fn new(status: StatusCode, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason: reason.into(),
            retry_after_secs: None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            format!("{}\n", self.reason),
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The client's IP address, from the accepted connection (see `http::serve`).
pub fn client_ip<B>(request: &Request<B>) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// `net.post_allow` for a request: 403 with the reason otherwise.
pub fn check_post_allowed<B>(state: &AppState, request: &Request<B>) -> Result<(), Refusal> {
    let Some(ip) = client_ip(request) else {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "the client address is unknown",
        ));
    };
    if state.config.net.post_allowed(ip) {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            format!("{ip} is not allowed to use this endpoint (see net.post_allow)"),
        ))
    }
}
