//! oxool-ws-session: one scripted editing session over wsd's WebSocket (docs/protocol.md), for
//! shell tests that must keep a live session open while they act on the server from outside
//! (tests/systemd/nspawn-test.sh: `systemctl reload`, `systemctl stop`, killing forkit).
//!
//! usage: oxool-ws-session --port PORT --document NAME [--user NAME] [--type TEXT]
//!                         [--co-editor NAME]
//!
//! It opens the document the way a browser does from the built-in local store: `GET /` (the
//! index page) on 127.0.0.1:PORT, follows the document's edit link to the editor page, takes
//! `wopisrc` and `access_token` from the page's `oxool-config`, then `oxool` + `load` over
//! `/cool/ws`, asks for one tile, and with `--type` types TEXT and waits for the `invalidate` it
//! causes and `doc-state modified=1`. With `--co-editor`, a second user opens the same document from the index page
//! (`?user=NAME`): both sessions must list both users, the second must see the first one's
//! typing (an `invalidate` and `doc-state modified=1`), then the second one leaves.
//!
//! Progress goes to stdout, one line a step (`loaded key=<document key> ...`, `tile ...`,
//! `typed ...`, `co-editing ...`), then `ready`. After that, commands are read from stdin, one a
//! line, `TAG COMMAND [ARGUMENT]`, each answered by one line `TAG ok ...` or `TAG fail ...`:
//!   ping          `ping` on the same WebSocket, answered by `pong`
//!   type TEXT     types TEXT and waits for its `invalidate` and `doc-state modified=1`
//!   wait-close    waits until the server ends the connection: the `close` reason, the last
//!                 `doc-state` and the close code
//!   quit          leaves (end of input too)
//! Exit status 1 (after a line `fail ...`) when the document cannot be opened.
//! The access token is never printed.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use oxool_proto::Message;
use oxool_tests::eventually::poll_every_async;
use oxool_tests::ws::{Incoming, WsClient, DEADLINE};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// `wait-close` waits this long: wsd stores every modified document before it closes the
/// sessions (editing.shutdown_timeout_secs, 60 s by default).
const CLOSE_DEADLINE: Duration = Duration::from_secs(180);

struct Options {
    port: u16,
    document: String,
    user: String,
    text: Option<String>,
    co_editor: Option<String>,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options {
        port: 0,
        document: String::new(),
        user: "Alice".into(),
        text: None,
        co_editor: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => options.port = value()?.parse().context("--port")?,
            "--document" => options.document = value()?,
            "--user" => options.user = value()?,
            "--type" => options.text = Some(value()?),
            "--co-editor" => options.co_editor = Some(value()?),
            other => bail!("unknown argument {other:?}"),
        }
    }
    if options.port == 0 || options.document.is_empty() {
        bail!("usage: oxool-ws-session --port PORT --document NAME [--user NAME] [--type TEXT] [--co-editor NAME]");
    }
    Ok(options)
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn millis(since: Instant) -> u128 {
    since.elapsed().as_millis()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("oxool-ws-session: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut client = match open_session(&options).await {
        Ok(client) => client,
        Err(error) => {
            say(&format!("fail {error:#}"));
            return std::process::ExitCode::FAILURE;
        }
    };
    say("ready");
    serve_commands(&mut client).await;
    std::process::ExitCode::SUCCESS
}

/// Opens, renders, types and co-edits as the options say; the open session.
async fn open_session(options: &Options) -> anyhow::Result<WsClient> {
    let started = Instant::now();
    let editor = editor_settings(options.port, &options.document, &options.user)?;
    let key = oxool_wsd::wopi::WopiSrc::parse(&editor.wopisrc)
        .context("the page's wopisrc")?
        .doc_key()
        .as_str()
        .to_string();
    let mut client = connect(options, &options.user, &editor).await?;
    let status = load(&mut client, &editor).await?;
    say(&format!(
        "loaded key={key} type={} parts={} view={} readonly={} ms={}",
        status.get("type").unwrap_or("?"),
        status.get("parts").unwrap_or("?"),
        status.get("view").unwrap_or("?"),
        status.get("readonly").unwrap_or("?"),
        millis(started)
    ));
    first_tile(&mut client).await?;
    let mut co_editor = match &options.co_editor {
        Some(name) => Some(join_co_editor(options, name, &mut client).await?),
        None => None,
    };
    let co_editor_mark = co_editor.as_ref().map_or(0, |other| other.seen.len());
    if let Some(text) = &options.text {
        let typed = Instant::now();
        type_text(&mut client, text).await?;
        say(&format!(
            "typed chars={} modified=1 ms={}",
            text.chars().count(),
            millis(typed)
        ));
    }
    if let Some(other) = co_editor.as_mut() {
        if options.text.is_some() {
            // The first user's typing reaches the other view, in either order: its tiles are
            // invalidated and the document's state is shared.
            for (what, pred) in [
                ("an invalidate", is_invalidate as fn(&Incoming) -> bool),
                ("doc-state modified=1", is_modified),
            ] {
                if !other.seen[co_editor_mark..].iter().any(pred)
                    && other.try_wait_for(DEADLINE, pred).await.is_none()
                {
                    bail!(
                        "the co-editor saw no {what} after the typing:\n{}",
                        other.recent(10)
                    );
                }
            }
            say("co-editing the co-editor saw the typing (invalidate, doc-state modified=1)");
        }
        let _ = other.try_send(WsMessage::Close(None)).await;
        let _ = other.drain_for(Duration::from_millis(200)).await;
    }
    Ok(client)
}

/// What the editor page hands the web client.
struct EditorSettings {
    wopisrc: String,
    token: String,
    /// The WebSocket path the page hands out (it names the document, for a balancer).
    ws: String,
}

/// Connects where the editor page says, as the web client does.
async fn connect(
    options: &Options,
    user: &str,
    editor: &EditorSettings,
) -> anyhow::Result<WsClient> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], options.port));
    WsClient::connect_path(addr, user, &editor.ws).await
}

/// The index page's edit form for `document`, submitted (POST of its access_token) to the
/// editor page; the settings in the page's `<script id="oxool-config">`.
fn editor_settings(port: u16, document: &str, user: &str) -> anyhow::Result<EditorSettings> {
    let base = format!("http://127.0.0.1:{port}");
    let index = http_get(&format!("{base}/?user={}", query_escape(user)))?;
    let (action, token) = edit_form(&index, document)
        .ok_or_else(|| anyhow!("the index page at / has no edit form for {document:?}"))?;
    let page = http_post_token(&format!("{base}{action}"), &token)?;
    let open = "<script id=\"oxool-config\" type=\"application/json\">";
    let json = page
        .split_once(open)
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(json, _)| json)
        .ok_or_else(|| anyhow!("the editor page has no oxool-config"))?;
    let config: serde_json::Value =
        serde_json::from_str(json).context("the editor page's oxool-config")?;
    let field = |name: &str| {
        config[name]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("oxool-config has no {name}"))
    };
    Ok(EditorSettings {
        wopisrc: field("wopisrc")?,
        token: field("access_token")?,
        ws: field("ws")?,
    })
}

fn http_get(url: &str) -> anyhow::Result<String> {
    let path = url.split('?').next().unwrap_or_default().to_string();
    let response = ureq::get(url)
        .timeout(Duration::from_secs(60))
        .call()
        .map_err(|error| http_error("GET", &path, error))?;
    response.into_string().context("reading the page")
}

/// The form submission the index page's button makes: the token in the body, never the URL.
fn http_post_token(url: &str, token: &str) -> anyhow::Result<String> {
    let path = url.split('?').next().unwrap_or_default().to_string();
    let response = ureq::post(url)
        .timeout(Duration::from_secs(60))
        .send_form(&[("access_token", token)])
        .map_err(|error| http_error("POST", &path, error))?;
    response.into_string().context("reading the page")
}

/// An HTTP error that names the method and path only (never a token).
fn http_error(method: &str, path: &str, error: ureq::Error) -> anyhow::Error {
    match error {
        ureq::Error::Status(code, _) => anyhow!("{method} {path}: HTTP {code}"),
        ureq::Error::Transport(transport) => anyhow!("{method} {path}: {}", transport.kind()),
    }
}

/// The `action` and hidden `access_token` of the edit form of the row naming `document`
/// (markup unescaped).
fn edit_form(index: &str, document: &str) -> Option<(String, String)> {
    let marker = format!(
        "data-name=\"{}\" data-mode=\"edit\"",
        oxool_wsd::markup::escape(document)
    );
    let at = index.find(&marker)?;
    let form_start = index[..at].rfind("<form ")?;
    let form = &index[form_start..];
    let form = &form[..form.find("</form>")?];
    let attribute = |text: &str, name: &str| -> Option<String> {
        let open = format!("{name}=\"");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find('"')?;
        Some(unescape_markup(&text[start..end]))
    };
    let action = attribute(form, "action")?;
    let input = &form[form.find("name=\"access_token\"")?..];
    Some((action, attribute(input, "value")?))
}

fn unescape_markup(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Percent-encodes everything but unreserved characters (a user name in a query).
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `oxool` + `load`; the `status` once the first `doc-state` has come.
async fn load(client: &mut WsClient, editor: &EditorSettings) -> anyhow::Result<Incoming> {
    client.send(Message::new("oxool").arg("version", 1)).await;
    client
        .send(
            Message::new("load")
                .arg("wopisrc", &editor.wopisrc)
                .arg("token", &editor.token),
        )
        .await;
    let status = client
        .try_wait_for(DEADLINE, |m| {
            m.is("status") || m.is("error") || m.is("close")
        })
        .await
        .ok_or_else(|| anyhow!("no status after load (closed: {:?})", client.closed))?;
    if !status.is("status") {
        bail!("load refused: {status}");
    }
    // docs/protocol.md shows `doc-state` after `status`; wsd may send it first (the status
    // comes from the kit later), so one seen before counts.
    if !client.seen.iter().any(|m| m.is("doc-state")) {
        client
            .try_wait_for(DEADLINE, |m| m.is("doc-state"))
            .await
            .ok_or_else(|| anyhow!("no doc-state after load"))?;
    }
    client.status = Some(status.clone());
    Ok(status)
}

/// One 256 px tile of the first page: the kit renders under the service's sandbox.
async fn first_tile(client: &mut WsClient) -> anyhow::Result<()> {
    let asked = Instant::now();
    client.tiles(0, 256, 3840, &[(0, 0)]).await;
    let tile = client
        .try_wait_for(DEADLINE, |m| m.is_tile() || m.is("error"))
        .await
        .ok_or_else(|| anyhow!("no tile answer"))?;
    if !tile.binary || !tile.body.starts_with(b"\x89PNG") {
        bail!("the tile is not a PNG: {tile}");
    }
    say(&format!(
        "tile png_bytes={} ms={}",
        tile.body.len(),
        millis(asked)
    ));
    Ok(())
}

fn is_invalidate(m: &Incoming) -> bool {
    m.is("invalidate")
}

fn is_modified(m: &Incoming) -> bool {
    m.is("doc-state") && m.get("modified") == Some("1")
}

/// Types `text`; done once the typing has invalidated this view's tiles and the document says
/// it is modified.
async fn type_text(client: &mut WsClient, text: &str) -> anyhow::Result<()> {
    // What the server sent before the typing (another view's join, cursor moves) must not
    // count as its effect.
    client.drain_for(Duration::from_millis(100)).await;
    client.skip_seen();
    client.send(Message::new("text").arg("text", text)).await;
    let answer = client
        .try_wait_for(DEADLINE, |m| is_invalidate(m) || m.is("error"))
        .await;
    if !answer.as_ref().is_some_and(is_invalidate) {
        bail!(
            "the typing invalidated nothing ({answer:?}); last messages:\n{}",
            client.recent(10)
        );
    }
    let latest_state = client.seen.iter().rev().find(|m| m.is("doc-state"));
    if !latest_state.is_some_and(is_modified)
        && client.try_wait_for(DEADLINE, is_modified).await.is_none()
    {
        bail!(
            "no doc-state modified=1 after typing; last messages:\n{}",
            client.recent(10)
        );
    }
    Ok(())
}

/// A second user on the same document, through the index page like the first; both sessions
/// must list both users.
async fn join_co_editor(
    options: &Options,
    name: &str,
    first: &mut WsClient,
) -> anyhow::Result<WsClient> {
    let editor = editor_settings(options.port, &options.document, name)?;
    let mut other = connect(options, name, &editor).await?;
    load(&mut other, &editor).await?;
    // A view that shows nothing is told of no change: the co-editor shows the first page too.
    first_tile(&mut other).await?;
    let both = |m: &Incoming| m.is("users") && m.json().as_array().is_some_and(|a| a.len() == 2);
    for client in [&mut *first, &mut other] {
        // The joining session may get its `users` before its `status`, which `load` went past.
        if !client.seen.iter().any(both) {
            client
                .try_wait_for(DEADLINE, both)
                .await
                .ok_or_else(|| anyhow!("[{}] no users list with both users", client.label))?;
        }
    }
    say(&format!(
        "co-editing views=2 users={},{}",
        options.user, name
    ));
    Ok(other)
}

/// The command loop on stdin (see the module comment).
async fn serve_commands(client: &mut WsClient) {
    let mut lines = stdin_lines();
    while let Some(line) = lines.recv().await {
        let mut words = line.trim().splitn(3, ' ');
        let (Some(tag), command, argument) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        if tag.is_empty() {
            continue;
        }
        let answer = match (command.unwrap_or_default(), argument) {
            ("ping", _) => ping(client).await,
            ("type", Some(text)) => {
                let typed = Instant::now();
                type_text(client, text)
                    .await
                    .map(|()| format!("typed modified=1 ms={}", millis(typed)))
            }
            ("wait-close", _) => Ok(wait_close(client).await),
            ("quit", _) => {
                let _ = client.try_send(WsMessage::Close(None)).await;
                say(&format!("{tag} ok bye"));
                return;
            }
            (other, _) => Err(anyhow!("unknown command {other:?}")),
        };
        match answer {
            Ok(text) => say(&format!("{tag} ok {text}")),
            Err(error) => say(&format!("{tag} fail {error:#}")),
        }
    }
    let _ = client.try_send(WsMessage::Close(None)).await;
}

/// stdin's lines, read by a thread of their own (the runtime has no async stdin here); the
/// channel ends with the input.
fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// `ping` → `pong` on this WebSocket.
async fn ping(client: &mut WsClient) -> anyhow::Result<String> {
    if let Some(code) = client.closed {
        bail!("the WebSocket is closed (code {code:?})");
    }
    let sent = Instant::now();
    client
        .try_send(WsMessage::text("ping"))
        .await
        .context("sending ping")?;
    match client.try_wait_for(DEADLINE, |m| m.is("pong")).await {
        Some(_) => Ok(format!("pong ms={}", millis(sent))),
        None => bail!(
            "no pong (closed: {:?}); last messages:\n{}",
            client.closed,
            client.recent(5)
        ),
    }
}

/// Waits for the server to end the connection; what it said on the way out.
async fn wait_close(client: &mut WsClient) -> String {
    let waited = Instant::now();
    let close = client.try_wait_for(CLOSE_DEADLINE, |m| m.is("close")).await;
    // The rest of the same deadline for the connection to end (reported, not required).
    let left = CLOSE_DEADLINE.saturating_sub(waited.elapsed());
    poll_every_async(left, Duration::ZERO, async || {
        if client.closed.is_none() {
            client.drain_for(Duration::from_millis(200)).await;
        }
        client.closed.map(|_| ())
    })
    .await;
    let last_state = client
        .seen
        .iter()
        .rev()
        .find(|m| m.is("doc-state"))
        .map(|m| m.message.render())
        .unwrap_or_default();
    format!(
        "close reason={} code={} last_doc_state=[{last_state}] ms={}",
        close
            .as_ref()
            .and_then(|m| m.get("reason"))
            .unwrap_or("none"),
        match client.closed {
            Some(Some(code)) => code.to_string(),
            Some(None) => "none".into(),
            None => "still-open".into(),
        },
        millis(waited)
    )
}
