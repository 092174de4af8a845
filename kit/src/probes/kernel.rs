//! Mounts, namespaces, exec, devices, privileges and the kernel's larger attack surfaces.

use std::ffi::CStr;
use std::fs;

use super::{check, failed, ProbeContext};

/// Tries to mount a file system of type `fstype` from `source` on `target` (no flags, no data).
pub(super) fn try_mount(source: &CStr, target: &CStr, fstype: &CStr) -> (bool, String) {
    // SAFETY: mount(2) with NUL-terminated strings that outlive the call and no data.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    let what = format!(
        "mount {} on {}",
        fstype.to_string_lossy(),
        target.to_string_lossy()
    );
    failed(check(rc.into()), &what)
}

pub(super) fn mount_tmpfs(_: &ProbeContext) -> (bool, String) {
    try_mount(c"none", c"/tmp", c"tmpfs")
}

pub(super) fn umount_bind(_: &ProbeContext) -> (bool, String) {
    // SAFETY: umount2(2) with a constant path.
    let rc = unsafe { libc::umount2(c"/usr/lib/libreoffice".as_ptr(), libc::MNT_DETACH) };
    failed(check(rc.into()), "umount /usr/lib/libreoffice")
}

pub(super) fn unshare_userns(_: &ProbeContext) -> (bool, String) {
    // SAFETY: unshare(2) takes only flags.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) };
    failed(check(rc.into()), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
}

pub(super) fn setns(_: &ProbeContext) -> (bool, String) {
    // SAFETY: setns(2) on stdin with no namespace type: fails or traps, touches no memory.
    let rc = unsafe { libc::setns(0, 0) };
    failed(check(rc.into()), "setns")
}

pub(super) fn chroot_again(_: &ProbeContext) -> (bool, String) {
    // The classic double-chroot escape starts with a chroot into a subdirectory.
    // SAFETY: chroot(2) with a constant path.
    let rc = unsafe { libc::chroot(c"/tmp".as_ptr()) };
    failed(check(rc.into()), "chroot(/tmp)")
}

pub(super) fn pivot_root(_: &ProbeContext) -> (bool, String) {
    // SAFETY: pivot_root(2) with constant paths.
    let rc = unsafe { libc::syscall(libc::SYS_pivot_root, c"/tmp".as_ptr(), c"/tmp".as_ptr()) };
    failed(check(rc), "pivot_root")
}

pub(super) fn execve_sh(_: &ProbeContext) -> (bool, String) {
    let argv = [c"/bin/sh".as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null()];
    // SAFETY: NUL-terminated argv/envp arrays of constant strings.
    let rc = unsafe { libc::execve(c"/bin/sh".as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    failed(check(rc.into()), "execve(/bin/sh)")
}

pub(super) fn mknod_device(_: &ProbeContext) -> (bool, String) {
    // /dev/sda's numbers: a block device would reach the host disk.
    // SAFETY: mknod(2) with a constant path.
    let rc = unsafe {
        libc::mknod(
            c"/tmp/sda".as_ptr(),
            libc::S_IFBLK | 0o600,
            libc::makedev(8, 0),
        )
    };
    failed(check(rc.into()), "mknod /tmp/sda")
}

pub(super) fn keyctl(_: &ProbeContext) -> (bool, String) {
    // KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3).
    // SAFETY: integer arguments only.
    let rc = unsafe { libc::syscall(libc::SYS_keyctl, 0, -3i32, 0) };
    failed(check(rc), "keyctl(GET_KEYRING_ID)")
}

pub(super) fn add_key(_: &ProbeContext) -> (bool, String) {
    let payload = b"x";
    // SAFETY: constant NUL-terminated strings and a live payload buffer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            c"user".as_ptr(),
            c"oxool-probe".as_ptr(),
            payload.as_ptr(),
            payload.len(),
            -3i32,
        )
    };
    failed(check(rc), "add_key")
}

pub(super) fn bpf(_: &ProbeContext) -> (bool, String) {
    let mut attr = [0u8; 128];
    // SAFETY: BPF_MAP_CREATE (0) with a zeroed, live attribute buffer of the size passed.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, 0, attr.as_mut_ptr(), attr.len()) };
    failed(check(rc), "bpf(BPF_MAP_CREATE)")
}

pub(super) fn perf_event_open(_: &ProbeContext) -> (bool, String) {
    let mut attr = [0u8; 128];
    attr[4..8].copy_from_slice(&128u32.to_ne_bytes());
    // SAFETY: a zeroed perf_event_attr-sized buffer (size field set) that lives across the call.
    let rc = unsafe { libc::syscall(libc::SYS_perf_event_open, attr.as_mut_ptr(), 0, -1, -1, 0) };
    failed(check(rc), "perf_event_open")
}

pub(super) fn userfaultfd(_: &ProbeContext) -> (bool, String) {
    // SAFETY: integer flags only.
    let rc = unsafe { libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC) };
    failed(check(rc), "userfaultfd")
}

pub(super) fn io_uring_setup(_: &ProbeContext) -> (bool, String) {
    let mut params = [0u8; 120];
    // SAFETY: a zeroed io_uring_params-sized buffer that lives across the call.
    let rc = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4, params.as_mut_ptr()) };
    failed(check(rc), "io_uring_setup")
}

pub(super) fn open_by_handle_at(_: &ProbeContext) -> (bool, String) {
    // The "shocker" escape: a file handle for the host's root inode (ext4: inode 2).
    let mut handle = [0u8; 8 + 8];
    handle[0..4].copy_from_slice(&8u32.to_ne_bytes());
    handle[4..8].copy_from_slice(&1i32.to_ne_bytes());
    handle[8..12].copy_from_slice(&2u32.to_ne_bytes());
    // SAFETY: a live file_handle-shaped buffer; the kernel only reads it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            0,
            handle.as_mut_ptr(),
            libc::O_RDONLY,
        )
    };
    failed(check(rc), "open_by_handle_at")
}

pub(super) fn setuid_root(_: &ProbeContext) -> (bool, String) {
    // SAFETY: setuid(2) takes an integer.
    let rc = unsafe { libc::setuid(0) };
    failed(check(rc.into()), "setuid(0)")
}

pub(super) fn chmod_setuid(_: &ProbeContext) -> (bool, String) {
    if let Err(err) = fs::write("/tmp/probe-suid", b"#!/bin/sh\n") {
        return (true, format!("cannot even create the file: {err}"));
    }
    // SAFETY: chmod(2) with a constant path.
    let rc = unsafe { libc::chmod(c"/tmp/probe-suid".as_ptr(), 0o4755) };
    failed(check(rc.into()), "chmod u+s /tmp/probe-suid")
}
