//! oxoolctl's default transport: `org.oxool.Wsd1` by name on the system bus (here a private
//! dbus-daemon standing in for it), where wsd claims the name when `[forkit] bus = "system"`.

mod support;

use std::process::Command;

use support::{Bus, Ctl, Wsd};

fn ctl_on(bus: &Bus, args: &[&str]) -> Ctl {
    Command::new(env!("CARGO_BIN_EXE_oxoolctl"))
        .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn wsd_claims_its_name_and_oxoolctl_finds_it_there() {
    let bus = Bus::start();
    let before = ctl_on(&bus, &["status"]);
    assert_eq!(before.code, Some(1), "{before:?}");
    assert!(
        before
            .stderr
            .contains("wsd is not running (org.oxool.Wsd1 has no owner)"),
        "{before:?}"
    );

    let wsd = Wsd::start_on_bus(&bus.address);
    let status = wsd.ctl(&["status"]);
    assert_eq!(status.code, Some(0), "{status:?}\n{}", wsd.log());
    assert!(status.stdout.contains("0 running, 0 queued"), "{status:?}");
    // No forkit owns org.oxool.Forkit1 on this bus: status says so instead of failing (and
    // without calling forkit, which would D-Bus-activate it under systemd); `kits` fails.
    assert!(
        status
            .stdout
            .contains("forkit does not answer: forkit is not running"),
        "{status:?}"
    );
    let kits = wsd.ctl(&["kits"]);
    assert_eq!(kits.code, Some(1), "{kits:?}");
    assert!(kits.stderr.contains("forkit is not running"), "{kits:?}");
    let reload = wsd.ctl(&["reload"]);
    assert_eq!(reload.code, Some(0), "{reload:?}");

    drop(wsd);
    let after = ctl_on(&bus, &["documents"]);
    assert!(after.stderr.contains("has no owner"), "{after:?}");
}
