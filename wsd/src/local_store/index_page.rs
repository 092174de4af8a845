//! `GET /`: a plain page listing the store's documents, each with an edit and a view button that
//! opens the web client. `?user=Name` sets the name the tokens carry (default "Guest").
//!
//! Each button is a form that POSTs the token to the editor page (as an integrator's host page
//! does): a token in a link would end up in the browser's history and in proxy logs.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::refusal::Refusal;
use super::request::base_url;
use super::{LocalStore, DEFAULT_TOKEN_TTL};

const MAX_USER_NAME_CHARS: usize = 64;

pub fn index_router(store: Arc<LocalStore>) -> Router {
    Router::new().route("/", get(index)).with_state(store)
}

#[derive(Deserialize)]
struct IndexQuery {
    user: Option<String>,
}

async fn index(
    State(store): State<Arc<LocalStore>>,
    Query(query): Query<IndexQuery>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let base = base_url(&store, &headers)?;
    let user: String = query
        .user
        .as_deref()
        .map(str::trim)
        .filter(|user| !user.is_empty())
        .unwrap_or("Guest")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_NAME_CHARS)
        .collect();
    let documents = store.list().map_err(Refusal::internal)?;
    let mut rows = String::new();
    for document in &documents {
        let edit_token = store.issue_token(&document.id, &user, true, DEFAULT_TOKEN_TTL);
        let view_token = store.issue_token(&document.id, &user, false, DEFAULT_TOKEN_TTL);
        let action = crate::markup::escape(&LocalStore::editor_action(&base, &document.id));
        let name = crate::markup::escape(&document.name);
        let form = |mode: &str, token: &str, label: &str| {
            format!(
                "<form method=\"post\" action=\"{action}\" data-name=\"{name}\" \
                 data-mode=\"{mode}\"><input type=\"hidden\" name=\"access_token\" \
                 value=\"{}\"><button>{label}</button></form>",
                crate::markup::escape(token)
            )
        };
        // Writing into a String cannot fail.
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            form("edit", &edit_token, &name),
            human_size(document.size),
            crate::markup::escape(&document.last_modified),
            form("view", &view_token, "view only"),
        );
    }
    if documents.is_empty() {
        rows.push_str("<tr><td colspan=\"4\">No documents in this folder yet.</td></tr>\n");
    }
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>oxool documents</title>\n<style>\
         body{{font-family:sans-serif;margin:2em auto;max-width:48em;color:#222}}\
         table{{border-collapse:collapse;width:100%}}\
         td,th{{text-align:left;padding:.4em .8em;border-bottom:1px solid #ddd}}\
         form{{margin:0}}button{{font:inherit;border:0;padding:0;background:none;\
         color:#0645ad;text-decoration:underline;cursor:pointer}}\
         </style></head>\n<body><h1>Documents</h1>\n\
         <form method=\"get\" action=\"/\">Open as <input name=\"user\" value=\"{}\" \
         maxlength=\"{MAX_USER_NAME_CHARS}\"> <input type=\"submit\" value=\"Change\"></form>\n\
         <table><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th><th></th></tr>\n\
         {rows}</table></body></html>\n",
        crate::markup::escape(&user)
    );
    // The page holds write tokens: keep it out of shared caches.
    Ok(crate::response::with_type_and_caching(
        "text/html; charset=utf-8",
        "no-store",
        page,
    ))
}

fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
