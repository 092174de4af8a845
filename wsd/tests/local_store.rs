//! The local-folder WOPI store over a real listener, spoken to by a raw HTTP/1.1 client: what
//! reaches the wire is what a WOPI client (wsd's, Collabora's) sees.

mod local_store_support;

use std::time::Duration;

use local_store_support::{fixtures, no_temporary_files_left, start, start_with, HOUR};
use oxool_wsd::local_store::LocalStore;

#[tokio::test]
async fn check_file_info_describes_the_file_and_the_user() {
    let server = start().await;
    let reply = server.check_file_info_as("simple.docx", true).await;
    assert_eq!(reply.status, 200);
    let info = reply.json();
    let size = std::fs::metadata(server.root.path().join("simple.docx"))
        .unwrap()
        .len();
    assert_eq!(info["BaseFileName"], "simple.docx");
    assert_eq!(info["Size"], size);
    assert_eq!(info["UserId"], "alice");
    assert_eq!(info["UserFriendlyName"], "alice");
    assert_eq!(info["UserCanWrite"], true);
    assert_eq!(info["SupportsLocks"], true);
    assert_eq!(info["SupportsUpdate"], true);
    assert!(info["OwnerId"].is_string());
    assert!(info["Version"].as_str().is_some_and(|v| !v.is_empty()));
    let modified = info["LastModifiedTime"].as_str().unwrap();
    // ISO 8601 UTC with fractional seconds: 2024-05-01T12:34:56.123456Z
    assert_eq!(modified.len(), 27, "{modified}");
    assert!(modified.ends_with('Z') && modified.as_bytes()[19] == b'.');

    let read_only = server.check_file_info_as("simple.docx", false).await;
    assert_eq!(read_only.json()["UserCanWrite"], false);
}

#[tokio::test]
async fn get_file_returns_the_stored_bytes() {
    let server = start().await;
    let reply = server.get_file_as("simple.docx", false).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        std::fs::read(fixtures().join("simple.docx")).unwrap()
    );
    assert!(reply.header("X-WOPI-ItemVersion").is_some());
}

#[tokio::test]
async fn put_file_honours_the_lock() {
    let server = start().await;
    assert_eq!(
        server
            .put_file("simple.docx", &[], b"unlocked")
            .await
            .status,
        200
    );
    assert_eq!(server.read("simple.docx"), b"unlocked");

    assert_eq!(
        server
            .lock_call("simple.docx", "LOCK", "lock-A")
            .await
            .status,
        200
    );
    for attempt in [vec![], vec![("X-WOPI-Lock", "lock-B")]] {
        let refused = server.put_file("simple.docx", &attempt, b"intruder").await;
        assert_eq!(refused.status, 409);
        assert_eq!(refused.header("X-WOPI-Lock"), Some("lock-A"));
    }
    assert_eq!(server.read("simple.docx"), b"unlocked");

    let saved = server
        .put_file("simple.docx", &[("X-WOPI-Lock", "lock-A")], b"locked save")
        .await;
    assert_eq!(saved.status, 200);
    assert!(saved.json()["LastModifiedTime"].is_string());
    assert_eq!(server.read("simple.docx"), b"locked save");
    assert_eq!(
        server.get_file_as("simple.docx", false).await.body,
        b"locked save"
    );
}

#[tokio::test]
async fn lock_operations_follow_wopi() {
    let server = start().await;
    let name = "simple.xlsx";
    let get_lock = server.lock_call(name, "GET_LOCK", "x").await;
    assert_eq!(
        (get_lock.status, get_lock.header("X-WOPI-Lock")),
        (200, Some(""))
    );
    assert_eq!(server.lock_call(name, "LOCK", "A").await.status, 200);
    assert_eq!(server.lock_call(name, "LOCK", "A").await.status, 200);
    let other = server.lock_call(name, "LOCK", "B").await;
    assert_eq!(
        (other.status, other.header("X-WOPI-Lock")),
        (409, Some("A"))
    );
    assert!(other.header("X-WOPI-LockFailureReason").is_some());
    assert_eq!(
        server.lock_call(name, "REFRESH_LOCK", "B").await.status,
        409
    );
    assert_eq!(
        server.lock_call(name, "REFRESH_LOCK", "A").await.status,
        200
    );
    let held = server.lock_call(name, "GET_LOCK", "").await;
    assert_eq!(held.header("X-WOPI-Lock"), Some("A"));
    assert_eq!(server.lock_call(name, "UNLOCK", "B").await.status, 409);
    assert_eq!(server.lock_call(name, "UNLOCK", "A").await.status, 200);
    let gone = server.lock_call(name, "UNLOCK", "A").await;
    assert_eq!((gone.status, gone.header("X-WOPI-Lock")), (409, Some("")));
    assert_eq!(server.lock_call(name, "RENAME_FILE", "A").await.status, 501);
}

#[tokio::test]
async fn put_file_with_an_old_timestamp_is_a_conflict() {
    let server = start().await;
    let token = server.token("simple.docx", true);
    let info = server.check_file_info("simple.docx", &token).await.json();
    let seen = info["LastModifiedTime"].as_str().unwrap().to_owned();

    // Someone changes the file behind the store's back, one second later than before.
    let path = server.root.path().join("simple.docx");
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, b"changed on disk").unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(before + Duration::from_secs(1)).unwrap();

    let conflict = server
        .put_file_based_on("simple.docx", &seen, b"our edit")
        .await;
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.json(), serde_json::json!({"COOLStatusCode": 1010}));
    assert_eq!(server.read("simple.docx"), b"changed on disk");

    // With the current timestamp (the user chose to reload first) the save goes through, and
    // the timestamp it answers is the one the next save must carry.
    let current = server.check_file_info("simple.docx", &token).await.json();
    let current = current["LastModifiedTime"].as_str().unwrap().to_owned();
    assert_ne!(current, seen);
    let saved = server
        .put_file_based_on("simple.docx", &current, b"our edit")
        .await;
    assert_eq!(saved.status, 200);
    let next = saved.json()["LastModifiedTime"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = server
        .put_file_based_on("simple.docx", &next, b"second edit")
        .await;
    assert_eq!(again.status, 200);
    // Without the header (Collabora's forced overwrite) any state is overwritten.
    let forced = server.put_file("simple.docx", &[], b"forced").await;
    assert_eq!(forced.status, 200);
    assert_eq!(server.read("simple.docx"), b"forced");
    let garbage = server
        .put_file_based_on("simple.docx", "yesterday", b"x")
        .await;
    assert_eq!(garbage.status, 400);
}

#[tokio::test]
async fn bad_tokens_are_unauthorized() {
    let server = start().await;
    let id = LocalStore::file_id("simple.docx");
    let stranger = LocalStore::new(server.root.path(), b"another secret").unwrap();
    let forged = stranger.issue_token(&id, "alice", true, HOUR);
    let expired = server.store.issue_token(&id, "alice", true, Duration::ZERO);
    let other_file = server.token("simple.xlsx", true);
    let good = server.token("simple.docx", true);
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for token in [&forged, &expired, &other_file, &tampered, &String::new()] {
        for suffix in ["", "/contents"] {
            let reply = server.get(&server.url(&id, suffix, token), &[]).await;
            assert_eq!(reply.status, 401, "token {token:?} on {suffix:?}");
        }
        let put = server
            .post(&server.url(&id, "/contents", token), &[], b"evil")
            .await;
        assert_eq!(put.status, 401);
    }
    let read_only = server.token("simple.docx", false);
    let put = server
        .post(&server.url(&id, "/contents", &read_only), &[], b"evil")
        .await;
    assert_eq!(put.status, 401);
    assert_eq!(
        server
            .lock_call_with("simple.docx", &read_only, "LOCK")
            .await,
        401
    );
    assert_eq!(
        server
            .lock_call_with("simple.docx", &read_only, "GET_LOCK")
            .await,
        200
    );
    assert_ne!(server.read("simple.docx"), b"evil");
    // The token may also come as a bearer header.
    let bearer = format!("Bearer {good}");
    let reply = server
        .get(&format!("/wopi/files/{id}"), &[("Authorization", &bearer)])
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn ids_outside_the_root_are_not_found() {
    let server = start().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), b"secret").unwrap();
    std::fs::write(server.root.path().join(".hidden"), b"hidden").unwrap();
    std::fs::create_dir(server.root.path().join("folder")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        server.root.path().join("link.docx"),
    )
    .unwrap();
    let escape = format!("../{}/secret.txt", outside.path().display());
    let names = [
        "..",
        ".hidden",
        &escape,
        "/etc/passwd",
        "link.docx",
        "folder",
    ];
    for name in names {
        // Even with a correctly signed token for exactly that id.
        let id = LocalStore::file_id(name);
        let token = server.store.issue_token(&id, "alice", true, HOUR);
        for suffix in ["", "/contents"] {
            let reply = server.get(&server.url(&id, suffix, &token), &[]).await;
            assert_eq!(reply.status, 404, "{name:?} {suffix:?}");
        }
        let put = server
            .post(&server.url(&id, "/contents", &token), &[], b"overwritten")
            .await;
        assert_eq!(put.status, 404, "{name:?}");
    }
    for raw_id in ["..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "a%00b"] {
        let reply = server.get(&server.url(raw_id, "", "x"), &[]).await;
        assert_eq!(reply.status, 404, "{raw_id:?}");
    }
    assert_eq!(
        std::fs::read(outside.path().join("secret.txt")).unwrap(),
        b"secret"
    );
    let listed: Vec<String> = server
        .store
        .list()
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(listed, ["simple.docx", "simple.xlsx"]);
}

#[tokio::test]
async fn put_relative_creates_new_files() {
    let server = start().await;
    let id = LocalStore::file_id("simple.docx");
    let target = server.url(&id, "", &server.token("simple.docx", true));
    let suggested = |value: &'static str| {
        [
            ("X-WOPI-Override", "PUT_RELATIVE"),
            ("X-WOPI-SuggestedTarget", value),
        ]
    };

    let first = server.post(&target, &suggested(".pdf"), b"pdf one").await;
    assert_eq!(first.status, 200);
    let first = first.json();
    assert_eq!(first["Name"], "simple.pdf");
    assert_eq!(server.read("simple.pdf"), b"pdf one");
    let second = server.post(&target, &suggested(".pdf"), b"pdf two").await;
    assert_eq!(second.json()["Name"], "simple (1).pdf");
    assert_eq!(server.read("simple.pdf"), b"pdf one");

    // The returned Url is a working WOPISrc with its own token.
    let url = first["Url"].as_str().unwrap();
    let path = url.split_once(&server.address.to_string()).unwrap().1;
    let info = server.get(path, &[]).await;
    assert_eq!(info.json()["BaseFileName"], "simple.pdf");
    // The host's page for it is the index page: no URL carries a token.
    let edit = first["HostEditUrl"].as_str().unwrap();
    assert_eq!(edit, format!("http://{}/", server.address));
    assert!(!edit.contains("access_token"));

    // UTF-7 names.
    let utf7 = server
        .post(&target, &suggested("Gr+APw-n.odt"), b"green")
        .await;
    assert_eq!(utf7.json()["Name"], "Grün.odt");

    let exact = |overwrite: &'static str| {
        [
            ("X-WOPI-Override", "PUT_RELATIVE"),
            ("X-WOPI-RelativeTarget", "simple.xlsx"),
            ("X-WOPI-OverwriteRelativeTarget", overwrite),
        ]
    };
    let refused = server.post(&target, &exact("false"), b"replaced").await;
    assert_eq!(refused.status, 409);
    assert_eq!(
        refused.header("X-WOPI-ValidRelativeTarget"),
        Some("simple (1).xlsx")
    );
    assert_ne!(server.read("simple.xlsx"), b"replaced");
    assert_eq!(
        server.lock_call("simple.xlsx", "LOCK", "held").await.status,
        200
    );
    let locked = server.post(&target, &exact("true"), b"replaced").await;
    assert_eq!(
        (locked.status, locked.header("X-WOPI-Lock")),
        (409, Some("held"))
    );
    assert_eq!(
        server
            .lock_call("simple.xlsx", "UNLOCK", "held")
            .await
            .status,
        200
    );
    let replaced = server.post(&target, &exact("true"), b"replaced").await;
    assert_eq!(replaced.status, 200);
    assert_eq!(server.read("simple.xlsx"), b"replaced");

    for bad in ["../escape.odt", ".hidden"] {
        let headers = [
            ("X-WOPI-Override", "PUT_RELATIVE"),
            ("X-WOPI-RelativeTarget", bad),
        ];
        assert_eq!(server.post(&target, &headers, b"x").await.status, 400);
    }
    let both = [
        ("X-WOPI-Override", "PUT_RELATIVE"),
        ("X-WOPI-RelativeTarget", "a.odt"),
        ("X-WOPI-SuggestedTarget", "b.odt"),
    ];
    assert_eq!(server.post(&target, &both, b"x").await.status, 400);
    no_temporary_files_left(server.root.path());
}

#[tokio::test]
async fn oversized_uploads_are_refused_and_leave_nothing() {
    let server = start_with(|store| store.with_max_file_bytes(1000)).await;
    let reply = server.put_file("simple.docx", &[], &[b'x'; 1001]).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        server.read("simple.docx"),
        std::fs::read(fixtures().join("simple.docx")).unwrap()
    );
    assert_eq!(
        server
            .put_file("simple.docx", &[], &[b'y'; 1000])
            .await
            .status,
        200
    );
    no_temporary_files_left(server.root.path());
}

#[tokio::test]
async fn index_page_links_every_document_to_the_web_client() {
    let server = start().await;
    std::fs::write(server.root.path().join("<b>&.odt"), b"x").unwrap();
    std::fs::write(server.root.path().join(".private"), b"x").unwrap();
    let reply = server.get("/?user=Bob", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("Content-Type")
        .unwrap()
        .starts_with("text/html"));
    let page = String::from_utf8(reply.body).unwrap();
    assert!(page.contains("&lt;b&gt;&amp;.odt"));
    assert!(!page.contains("<b>&.odt") && !page.contains(".private"));
    let wopi_src = format!(
        "http://{}/wopi/files/{}",
        server.address,
        LocalStore::file_id("simple.docx")
    );
    let encoded: String =
        percent_encoding::utf8_percent_encode(&wopi_src, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    // A form posting the token to the web client page, whose URL carries only the WOPISrc.
    assert!(!page.contains("access_token="), "no token in a URL: {page}");
    let action = format!(
        "<form method=\"post\" action=\"/browser/dist/cool.html?WOPISrc={encoded}\" \
         data-name=\"simple.docx\" data-mode=\"edit\"><input type=\"hidden\" \
         name=\"access_token\" value=\""
    );
    let start = page.find(&action).expect("an edit form for simple.docx") + action.len();
    let token: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let token = percent_encoding::percent_decode_str(&token)
        .decode_utf8()
        .unwrap()
        .into_owned();
    let info = server.check_file_info("simple.docx", &token).await.json();
    assert_eq!(
        (
            info["UserFriendlyName"].as_str(),
            info["UserCanWrite"].as_bool()
        ),
        (Some("Bob"), Some(true))
    );
}

#[test]
fn seed_samples_fills_only_an_empty_directory() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("documents");
    let copied = LocalStore::seed_samples(&dir, &fixtures()).unwrap();
    assert!(copied >= 5, "{copied}");
    assert_eq!(
        std::fs::read(dir.join("simple.odt")).unwrap(),
        std::fs::read(fixtures().join("simple.odt")).unwrap()
    );
    std::fs::write(dir.join("simple.odt"), b"edited").unwrap();
    assert_eq!(LocalStore::seed_samples(&dir, &fixtures()).unwrap(), 0);
    assert_eq!(std::fs::read(dir.join("simple.odt")).unwrap(), b"edited");
    let store = LocalStore::new(&dir, b"k").unwrap();
    assert_eq!(store.list().unwrap().len(), copied);
}
