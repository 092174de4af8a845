//! The preinitialised heap in huge pages, so that forking a kit is cheap.
//!
//! `fork` copies the page-table entries of every anonymous page the zygote has: one per 4 KiB.
//! After preinit that is ~240 MiB (LibreOffice, and 160 MiB of hunspell tables for the default
//! languages), about 60 000 entries, and most of a prespawn miss (docs/benchmarks.md, "What the
//! preloaded dictionaries cost"). Backed by 2 MiB pages, the same memory is ~120 entries.
//!
//! `MADV_COLLAPSE` (Linux 6.1) turns a range of small pages into huge pages now, whatever the
//! system's transparent-huge-page policy; no flag is left on the mappings, so a kit's own new
//! memory is not made huge by this (it follows the system policy). A kit that writes to a huge
//! page shared with the zygote gets the kernel to split the mapping and copy only the 4 KiB page
//! it wrote, so sharing stays as fine-grained as before. Collapsing fills the unused small pages
//! inside each 2 MiB range: the zygote grows a little, once, and every kit shares that.
//!
//! Older kernels (RHEL 9's 5.14) answer EINVAL: nothing is collapsed and forking costs what it
//! did. Nothing here can fail the zygote.

use std::io::{BufRead, BufReader};

/// Linux's MADV_COLLAPSE (include/uapi/asm-generic/mman-common.h).
const MADV_COLLAPSE: libc::c_int = 25;
const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// What [`collapse_anonymous_memory`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Collapsed {
    /// Bytes of anonymous memory now in huge pages.
    pub bytes: usize,
    /// Ranges the kernel refused (an old kernel refuses them all), and its last error.
    pub refused: usize,
    pub last_error: Option<i32>,
}

/// Collapses the private anonymous read-write memory of this process (the heap and malloc's
/// mmapped arenas) into huge pages: every whole 2 MiB range of it that is nearly all in use.
pub fn collapse_anonymous_memory() -> Collapsed {
    let mut collapsed = Collapsed::default();
    let Ok(maps) = std::fs::File::open("/proc/self/maps") else {
        return collapsed;
    };
    for line in BufReader::new(maps).lines().map_while(Result::ok) {
        let Some((start, end)) = anonymous_range(&line) else {
            continue;
        };
        for huge in (start..end).step_by(HUGE_PAGE) {
            let result = match mostly_resident(huge) {
                Ok(false) => continue,
                Ok(true) => collapse(huge, huge + HUGE_PAGE),
                Err(errno) => Err(errno),
            };
            match result {
                Ok(()) => collapsed.bytes += HUGE_PAGE,
                Err(errno) => {
                    collapsed.refused += 1;
                    collapsed.last_error = Some(errno);
                }
            }
        }
    }
    collapsed
}

/// Whether nearly all small pages of the huge page at `start` are in memory. Collapsing backs
/// every one of them, so a sparsely used range (malloc's reserve, a freed region) would cost
/// memory that nothing uses; those are left small.
/// (mincore is allowed by the forkit unit's system-call filter for this.)
fn mostly_resident(start: usize) -> Result<bool, i32> {
    const SMALL_PAGES: usize = HUGE_PAGE / 4096;
    let mut resident = [0u8; SMALL_PAGES];
    // SAFETY: mincore only reads this process's page tables for the range and writes one byte
    // per 4 KiB page into `resident`, which has exactly HUGE_PAGE / 4096 bytes.
    let rc = unsafe { libc::mincore(start as *mut libc::c_void, HUGE_PAGE, resident.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    Ok(resident.iter().filter(|&&r| r & 1 == 1).count() * 10 >= SMALL_PAGES * 9)
}

/// The 2 MiB-aligned part of a `/proc/self/maps` line's range, if the mapping is private,
/// readable and writable, and anonymous (no path, or the brk heap) and holds a whole huge page.
fn anonymous_range(line: &str) -> Option<(usize, usize)> {
    let mut fields = line.split_whitespace();
    let (start, end) = fields.next()?.split_once('-')?;
    let perms = fields.next()?;
    let path = fields.nth(3).unwrap_or("");
    if !perms.starts_with("rw") || !perms.ends_with('p') || !(path.is_empty() || path == "[heap]") {
        return None;
    }
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    let aligned_start = start.checked_add(HUGE_PAGE - 1)? & !(HUGE_PAGE - 1);
    let aligned_end = end & !(HUGE_PAGE - 1);
    (aligned_end > aligned_start).then_some((aligned_start, aligned_end))
}

/// Asks the kernel to back `start..end` of this process with huge pages now.
fn collapse(start: usize, end: usize) -> Result<(), i32> {
    // SAFETY: madvise(MADV_COLLAPSE) only changes how an existing range of this process's own
    // memory is backed; its contents and protection stay as they are, and a range the kernel
    // cannot collapse is left untouched with an error.
    let rc = unsafe { libc::madvise(start as *mut libc::c_void, end - start, MADV_COLLAPSE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_huge_pages_of_private_anonymous_memory_are_taken() {
        let heap =
            "55d0c1e00000-55d0c2a10000 rw-p 00000000 00:00 0                          [heap]";
        assert_eq!(
            anonymous_range(heap),
            Some((0x55d0c1e00000, 0x55d0c2a00000))
        );
        let arena = "7f3a10000000-7f3a14000000 rw-p 00000000 00:00 0 ";
        assert_eq!(
            anonymous_range(arena),
            Some((0x7f3a10000000, 0x7f3a14000000))
        );
        for line in [
            // too small once aligned
            "7f3a10001000-7f3a10300000 rw-p 00000000 00:00 0 ",
            // a file's data, shared memory, read-only, the stack
            "7f3a10000000-7f3a14000000 rw-p 00000000 08:01 123 /usr/lib/libreoffice/program/libmergedlo.so",
            "7f3a10000000-7f3a14000000 rw-s 00000000 00:05 99 /dev/zero (deleted)",
            "7f3a10000000-7f3a14000000 r--p 00000000 00:00 0 ",
            "7ffc10000000-7ffc14000000 rw-p 00000000 00:00 0                          [stack]",
            "garbage",
        ] {
            assert_eq!(anonymous_range(line), None, "{line}");
        }
    }

    #[test]
    fn a_heap_is_collapsed_or_refused_without_harm() {
        // 8 MiB touched in small allocations, like preinit's heap.
        let blocks: Vec<Vec<u8>> = (0..8 * 1024).map(|i| vec![(i % 251) as u8; 1024]).collect();
        let collapsed = collapse_anonymous_memory();
        assert!(
            collapsed.bytes > 0 || collapsed.refused > 0,
            "{collapsed:?}"
        );
        for (i, block) in blocks.iter().enumerate() {
            assert!(block.iter().all(|&b| b == (i % 251) as u8));
        }
    }
}
