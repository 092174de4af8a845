//! Writing from a signal handler: raw write(2) and decimal numbers without allocating, for the
//! SIGSYS report (seccomp/sigsys.rs) and the crash report (crash.rs).

use std::os::fd::RawFd;

/// Writes all of `bytes` to `fd`, giving up on the first error (nothing can be done about it
/// in a dying process).
pub fn write_all(fd: RawFd, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: write(2) reads `bytes.len()` bytes from a live slice; it is async-signal-safe.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if written <= 0 {
            return;
        }
        bytes = &bytes[written as usize..];
    }
}

/// `value` in decimal at the start of `buf` (a minus sign first when negative); returns the
/// length. 20 bytes hold any i64.
pub fn decimal(value: i64, buf: &mut [u8; 20]) -> usize {
    let mut digits = [0u8; 20];
    let mut count = 0;
    let mut rest = value.unsigned_abs();
    loop {
        digits[count] = b'0' + (rest % 10) as u8;
        count += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut len = 0;
    if value < 0 {
        buf[0] = b'-';
        len = 1;
    }
    for digit in digits[..count].iter().rev() {
        buf[len] = *digit;
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn numbers_in_decimal_without_allocating() {
        let mut buf = [0u8; 20];
        for (value, text) in [
            (0, "0"),
            (11, "11"),
            (-7, "-7"),
            (i64::MIN, "-9223372036854775808"),
        ] {
            let len = decimal(value, &mut buf);
            assert_eq!(&buf[..len], text.as_bytes());
        }
    }
}
