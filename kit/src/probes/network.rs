//! The network: loopback TCP, netlink, abstract unix sockets outside, listening.

use super::{check, failed, ProbeContext};

pub(super) fn inet_connect(ctx: &ProbeContext) -> (bool, String) {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], ctx.inet_port));
    failed(
        std::net::TcpStream::connect(address),
        "connect to 127.0.0.1",
    )
}

pub(super) fn inet6_connect(ctx: &ProbeContext) -> (bool, String) {
    let address = std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, ctx.inet_port));
    failed(std::net::TcpStream::connect(address), "connect to [::1]")
}

pub(super) fn netlink_socket(_: &ProbeContext) -> (bool, String) {
    // SAFETY: socket(2) with constant arguments; a returned fd is simply leaked (the kit ends).
    let rc = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE) };
    failed(check(rc.into()), "socket(AF_NETLINK)")
}

pub(super) fn abstract_unix_connect(ctx: &ProbeContext) -> (bool, String) {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(ctx.abstract_name.as_bytes());
    let connected = address.and_then(|a| std::os::unix::net::UnixStream::connect_addr(&a));
    failed(connected, "connect to the abstract socket")
}

pub(super) fn listen_accept(_: &ProbeContext) -> (bool, String) {
    let listener = std::os::unix::net::UnixListener::bind("/tmp/probe.sock");
    failed(
        listener.and_then(|l| l.accept()),
        "listen and accept on /tmp/probe.sock",
    )
}
