//! wsd's HTTP routes (a refusal's shape on the wire is in refusal.rs).
//!
//! Routes (Collabora Online compatible where integrators already call them):
//! - `POST /cool/convert-to`, `POST /cool/convert-to/{format}`: see convert_to.rs. The legacy
//!   `/lool/convert-to` is intentionally absent: integrators moved to `/cool/` years ago, and one
//!   name means one thing to filter in a reverse proxy.
//! - `GET /hosting/capabilities`: what this server offers, as JSON.
//! - `GET /hosting/discovery`: WOPI discovery XML with the proof key (discovery.rs).
//! - `GET /metrics`: Prometheus text; restricted to `net.post_allow` like the conversions.
//! - `GET /cool/health`: 200 `ok`, 503 `draining`, for a load balancer's checks (drain.rs).
//! - `GET /cool/ws`: the co-editing WebSocket (docs/protocol.md, editing/session.rs).
//! - `GET|POST /browser/dist/cool.html`: the editor page, discovery's `urlsrc` (editing/page.rs);
//!   `GET /browser/dist/<file>`: the web client's static files (editing/client_files.rs).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::convert_to;
use crate::refusal::{check_post_allowed, Refusal};
use crate::state::AppState;
use crate::upload::FORM_OVERHEAD;

pub fn router(state: AppState) -> Router {
    let local_store = state.local_store.clone();
    let editing = state.editing.clone();
    let browser = Router::new()
        .route(
            "/browser/dist/cool.html",
            get(crate::editing::page::get_page).post(crate::editing::page::post_page),
        )
        .route(
            "/browser/dist/{*path}",
            get(crate::editing::client_files::get_file),
        )
        .with_state(Arc::clone(&state.config));
    let mut app = service_router(state).merge(browser);
    if let Some(registry) = editing {
        app = app.merge(
            Router::new()
                .route("/cool/ws", get(crate::editing::session::upgrade))
                .with_state(registry),
        );
    }
    match local_store {
        Some(store) => app
            .merge(crate::local_store::router(Arc::clone(&store)))
            .merge(crate::local_store::index_router(store)),
        None => app,
    }
}

fn service_router(state: AppState) -> Router {
    // The form may be at most the file limit plus its text parts; `DefaultBodyLimit` makes
    // axum's multipart reader stop there even when the client sent no Content-Length.
    let body_limit = state.config.convert.max_upload_bytes() + FORM_OVERHEAD;
    Router::new()
        .route("/cool/convert-to", post(convert_to::convert_to_form))
        .route(
            "/cool/convert-to/{format}",
            post(convert_to::convert_to_path),
        )
        .layer(DefaultBodyLimit::max(
            usize::try_from(body_limit).unwrap_or(usize::MAX),
        ))
        .route("/hosting/capabilities", get(capabilities))
        .route("/hosting/discovery", get(crate::discovery::discovery))
        .route("/metrics", get(metrics))
        .route("/cool/health", get(health))
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` completes, then lets running requests
/// finish. Handlers learn the client's address from the connection.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Editing is many small frames both ways: without TCP_NODELAY, Nagle's algorithm and the
    // peer's delayed ACK hold a keystroke's answer back ~40 ms.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// [`serve`] over TLS: `listener`'s connections go through `acceptor`'s handshake first.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::Listener;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    let mut listener = crate::tls::TlsListener::new(listener, acceptor)?;
    let app = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            (stream, peer) = listener.accept() => {
                // What axum's `serve` does for plain TCP: handlers learn the client's address.
                let service = app.clone().layer(axum::Extension(ConnectInfo(peer)));
                let connection = Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(
                        TokioIo::new(stream),
                        TowerToHyperService::new(service),
                    )
                    .into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "HTTPS connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    graceful.shutdown().await;
    Ok(())
}

async fn capabilities(
    State(state): State<AppState>,
    request: Request<axum::body::Body>,
) -> Json<serde_json::Value> {
    // Like Collabora: convert-to is advertised as available only to callers that may use it.
    let convert_available = check_post_allowed(&state, &request).is_ok();
    Json(serde_json::json!({
        "convert-to": { "available": convert_available, "endpoint": "/cool/convert-to" },
        "hasMobileSupport": false,
        "hasProxyPrefix": false,
        "hasTemplateSaveAs": false,
        "hasTemplateSource": false,
        "hasWASMSupport": false,
        "hasZoteroSupport": false,
        "productName": "oxool",
        "productVersion": env!("CARGO_PKG_VERSION"),
        "productVersionHash": option_env!("OXOOL_VERSION_HASH").unwrap_or("unknown"),
        "serverId": &*state.server_id,
    }))
}

async fn metrics(
    State(state): State<AppState>,
    request: Request<axum::body::Body>,
) -> Result<Response, Refusal> {
    check_post_allowed(&state, &request)?;
    let mut text = state.metrics.render(&state.admission);
    let editing = state.editing.as_ref();
    crate::metrics::render_serving(
        &mut text,
        editing.map_or(0, |r| r.document_count()),
        editing.map_or(0, |r| r.session_count()),
        state.drain.is_draining(),
    );
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    Ok(([(CONTENT_TYPE, content_type)], text).into_response())
}

async fn health(State(state): State<AppState>) -> Response {
    crate::drain::health(&state.drain)
}
