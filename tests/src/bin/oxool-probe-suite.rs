//! Runs every sandbox probe in its own real kit: forkit (started peer-to-peer, as wsd does) with
//! the test-only probe entry, the real jail and the real seccomp filter. One kit per probe,
//! because a probe that trips seccomp ends its kit, by design.
//!
//! The probes that aim at another process aim at a victim this program forks (the kits' uid, its
//! own process group). After every probe the victim is checked from here (alive, not stopped, not
//! traced, no signal received, canary intact), whatever the kit answered.
//!
//! usage: oxool-probe-suite <scratch dir>   (prints `PROBE <name> <class> blocked|ESCAPED <detail>`)

use std::io::Write;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::Duration;

use oxool_kit::probes::victim::Victim;
use oxool_proto::{Frame, Message};
use oxool_wsd::config::KitEntry;
use oxool_wsd::kit::forkit_client::ForkitClient;
use oxool_wsd::kit::KitSpawner;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scratch = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: oxool-probe-suite <dir>"),
    );
    let config = oxool_tests::standalone_forkit_config(
        &scratch,
        &scratch.join("systemplate"),
        KitEntry::Probe,
        2,
    )?;
    // A secret the probes try to read: the server's own configuration.
    let secret_config = scratch.join("oxool.toml");
    std::fs::write(&secret_config, "# oxool probe secret\n")?;

    // Listeners outside the jail that the network probes try to reach.
    let inet = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = inet.local_addr()?.port();
    let _inet6 = std::net::TcpListener::bind(("::1", port)).ok();
    let abstract_name = format!("oxool-probe-{}", std::process::id());
    let _abstract = bind_abstract(&abstract_name)?;

    let forkit = ForkitClient::start(&config).await?;
    // A neighbour kit whose jail the probes try to reach.
    let neighbour = forkit.spawn_kit().await?;
    let neighbour_jail = config.kit.jails_root.join(&neighbour.jail_id);
    let paths = [
        "/etc/shadow".to_string(),
        secret_config.display().to_string(),
        neighbour_jail.join("tmp").display().to_string(),
    ]
    .join(",");

    let mut victim = Victim::start()?;
    let mut escaped = 0;
    for name in oxool_kit::probes::all_probe_names() {
        let kit = forkit.spawn_kit().await?;
        let mut stream = kit.stream;
        let request = Message::new("probe")
            .arg("name", name)
            .arg("paths", &paths)
            .arg("port", port)
            .arg("abstract", &abstract_name)
            .arg("victim", victim.pid)
            .arg("victim_pgid", victim.pgid)
            .arg("victim_canary", victim.canary);
        Frame::new(request.render())
            .write_async(&mut stream)
            .await?;
        let answer = tokio::time::timeout(
            Duration::from_secs(30),
            Frame::read_async(&mut stream, 1 << 20),
        )
        .await;
        let (class, mut blocked, mut detail) = match answer {
            Ok(Ok(frame)) => {
                let m = frame.message()?;
                match m.name.as_str() {
                    "probe" => (
                        m.get("class").unwrap_or("?").to_string(),
                        m.get("outcome") == Some("blocked"),
                        m.get("detail").unwrap_or_default().to_string(),
                    ),
                    "error" if m.get("kind") == Some("seccomp") => (
                        "-".into(),
                        true,
                        format!(
                            "kit ended by seccomp: denied {}",
                            m.get("syscall").unwrap_or("?")
                        ),
                    ),
                    _ => (
                        "-".into(),
                        false,
                        format!("unexpected answer {:?}", frame.header),
                    ),
                }
            }
            Ok(Err(_)) => ("-".into(), true, "kit ended before answering".into()),
            Err(_) => {
                let _ = forkit.kill_kit(kit.pid).await;
                ("-".into(), false, "probe hung".into())
            }
        };
        // Decided here, whatever the kit said.
        if let Err(harm) = victim.check() {
            blocked = false;
            detail = format!("the victim was affected: {harm}; kit said: {detail}");
            victim = Victim::start()?;
        }
        if !blocked {
            escaped += 1;
        }
        let verdict = if blocked { "blocked" } else { "ESCAPED" };
        println!(
            "PROBE {name} {class} {verdict} {}",
            detail.replace('\n', " ")
        );
        std::io::stdout().flush()?;
    }
    drop(neighbour);
    // process::exit runs no destructors: end the victim here.
    drop(victim);
    println!(
        "probes: {} run, {escaped} escaped",
        oxool_kit::probes::all_probe_names().len()
    );
    std::process::exit(if escaped == 0 { 0 } else { 1 });
}

fn bind_abstract(name: &str) -> anyhow::Result<UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    Ok(UnixListener::bind_addr(&addr)?)
}
