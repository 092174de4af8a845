use super::*;

#[test]
fn tiles_are_bounded() {
    let ok =
        parse_client("tiles part=0 width=256 height=256 tw=3840 th=3840 at=0:0,3840:0").unwrap();
    let ClientMessage::Tiles(batch) = ok else {
        panic!()
    };
    assert_eq!(batch.tiles.len(), 2);
    for bad in [
        "tiles part=0 width=100000 height=256 tw=3840 th=3840 at=0:0",
        "tiles part=0 width=256 height=256 tw=3840 th=3840 at=-1:0",
        "tiles part=0 width=256 height=256 tw=0 th=3840 at=0:0",
        "tiles part=0 width=256 height=256 tw=3840 th=3840 at=99999999999:0",
    ] {
        assert_eq!(parse_client(bad).unwrap_err().kind, "bad-request", "{bad}");
    }
    let many = (0..1000).map(|i| format!("{i}:0")).collect::<Vec<_>>();
    let line = format!(
        "tiles part=0 width=256 height=256 tw=3840 th=3840 at={}",
        many.join(",")
    );
    assert_eq!(parse_client(&line).unwrap_err().kind, "bad-request");
    assert_eq!(
        parse_client("tiles part=0 width=256 height=256 tw=3840 th=3840 at=a:b")
            .unwrap_err()
            .kind,
        "bad-message"
    );
}

#[test]
fn unknown_and_malformed_messages_are_bad_messages() {
    for bad in ["frobnicate", "", "key type=input char=x", "tile-done"] {
        assert_eq!(parse_client(bad).unwrap_err().kind, "bad-message", "{bad}");
    }
    assert_eq!(
        parse_client("key type=input").unwrap_err().kind,
        "bad-request"
    );
    assert_eq!(
        parse_client("key type=input char=55296").unwrap_err().kind,
        "bad-request"
    );
}

#[test]
fn uno_commands_and_args_are_checked() {
    assert!(parse_client("uno command=.uno:Bold").is_ok());
    assert!(parse_client("uno command=Bold").is_err());
    assert!(parse_client("uno command=.uno:Bold args=[1]").is_err());
    assert!(parse_client("uno command=.uno:Bold;rm").is_err());
}

#[test]
fn save_as_names_are_plain_file_names() {
    assert!(parse_client("save-as name=a.odt").is_ok());
    for bad in [
        "save-as name=../a.odt",
        "save-as name=noext",
        "save-as name=.odt",
    ] {
        assert!(parse_client(bad).is_err(), "{bad}");
    }
}
