//! Images a user inserts from their computer (`insert-image`, docs/protocol.md "Inserting an
//! image"): the one size limit and the one type check, which wsd applies before it forwards the
//! bytes and the kit applies again before it writes them into its jail.

use crate::file_name::safe_file_name;

/// The largest image a user may insert. wsd holds one such frame per session at most while it
/// checks it (the WebSocket's frame limit is this plus a header line).
pub const MAX_IMAGE_BYTES: usize = 10 << 20;

/// The image types that may be inserted, told by their first bytes (never by the name the
/// client gives): raster formats LibreOffice imports without fetching anything else (SVG could
/// name external resources, so it is not among them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Png,
    Jpeg,
    Gif,
}

impl ImageType {
    /// The type of `bytes`, from their signature; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageType::Gif)
        } else {
            None
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Png => "png",
            ImageType::Jpeg => "jpg",
            ImageType::Gif => "gif",
        }
    }
}

/// Why an image is refused; `kind` is the protocol's error kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    #[error("the image is {0} bytes; at most {MAX_IMAGE_BYTES} (10 MiB) may be inserted")]
    TooLarge(usize),
    #[error("the image is empty")]
    Empty,
    #[error("only PNG, JPEG and GIF images may be inserted")]
    Type,
}

impl ImageRefusal {
    pub fn kind(&self) -> &'static str {
        match self {
            ImageRefusal::TooLarge(_) => "too-large",
            ImageRefusal::Empty | ImageRefusal::Type => "bad-request",
        }
    }
}

/// Checks an image and names it: the client's name through [`safe_file_name`], with the
/// extension of the type its bytes really are.
pub fn check_image(name: &str, bytes: &[u8]) -> Result<(ImageType, String), ImageRefusal> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageRefusal::TooLarge(bytes.len()));
    }
    if bytes.is_empty() {
        return Err(ImageRefusal::Empty);
    }
    let kind = ImageType::sniff(bytes).ok_or(ImageRefusal::Type)?;
    let safe = safe_file_name(name);
    let stem = safe
        .rsplit_once('.')
        .map_or(safe.as_str(), |(stem, _)| stem);
    let stem = if stem.is_empty() { "image" } else { stem };
    // Leave room for the extension within the file name limit.
    let mut end = stem.len().min(200);
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    Ok((kind, format!("{}.{}", &stem[..end], kind.extension())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn the_type_comes_from_the_bytes_and_names_the_extension() {
        assert_eq!(
            check_image("../../etc/cron.d/x.svg", PNG),
            Ok((ImageType::Png, "x.png".to_string()))
        );
        assert_eq!(
            check_image("photo.JPG", &[0xFF, 0xD8, 0xFF, 0xE0])
                .unwrap()
                .1,
            "photo.jpg"
        );
        assert_eq!(check_image("", b"GIF89a..").unwrap().1, "document.gif");
        assert_eq!(check_image(".png", PNG).unwrap().1, "document.png");
    }

    #[test]
    fn refusals() {
        assert_eq!(
            check_image("a.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(ImageRefusal::Type)
        );
        assert_eq!(check_image("a.png", b""), Err(ImageRefusal::Empty));
        let big = [PNG, &vec![0; MAX_IMAGE_BYTES]].concat();
        assert_eq!(
            check_image("a.png", &big),
            Err(ImageRefusal::TooLarge(big.len()))
        );
        assert_eq!(ImageRefusal::TooLarge(1).kind(), "too-large");
    }
}
