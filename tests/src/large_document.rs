//! A large text document made on the fly, for measures that need one (the cost of a
//! checkpoint, issue 13): hundreds of pages of paragraphs and photographs that do not compress,
//! as a flat ODF file that LibreOffice converts into any format. Made here rather than kept in
//! the tree: megabytes of noise say nothing in a diff.

use base64::Engine;
use rand::{Rng, SeedableRng};

/// What the document holds.
pub struct LargeDocument {
    /// Paragraphs of about 90 words; five make a page at 12 pt.
    pub paragraphs: usize,
    /// Photographs (random pixels, so they do not compress) of `image_size` pixels each.
    pub images: usize,
    pub image_size: (u32, u32),
}

impl LargeDocument {
    /// About 300 pages with 20 photographs of 400 × 300 (~7 MB of images).
    pub fn three_hundred_pages() -> LargeDocument {
        LargeDocument {
            paragraphs: 1_500,
            images: 20,
            image_size: (400, 300),
        }
    }

    /// The document as a flat ODF text (`.fodt`); the same seed gives the same bytes.
    pub fn fodt(&self) -> Vec<u8> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        let mut body = String::new();
        let image_every = (self.paragraphs / self.images.max(1)).max(1);
        let mut images_left = self.images;
        let words: Vec<&str> = WORDS.split_whitespace().collect();
        for paragraph in 0..self.paragraphs {
            if paragraph % 50 == 0 {
                body.push_str(&format!(
                    "<text:h text:outline-level=\"1\">Chapter {}</text:h>\n",
                    paragraph / 50 + 1
                ));
            }
            body.push_str("<text:p>");
            for word in 0..90 {
                if word > 0 {
                    body.push(' ');
                }
                body.push_str(words[rng.random_range(0..words.len())]);
            }
            body.push_str(".</text:p>\n");
            if images_left > 0 && paragraph % image_every == image_every - 1 {
                images_left -= 1;
                body.push_str(&self.image_paragraph(&mut rng, self.images - images_left));
            }
        }
        format!("{HEAD}{body}{TAIL}").into_bytes()
    }

    fn image_paragraph(&self, rng: &mut rand::rngs::StdRng, number: usize) -> String {
        let (width, height) = self.image_size;
        let mut pixels = vec![0u8; (width * height * 3) as usize];
        rng.fill(&mut pixels[..]);
        let mut png = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png, width, height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().expect("a PNG header");
            writer.write_image_data(&pixels).expect("PNG pixels");
        }
        let data = base64::engine::general_purpose::STANDARD.encode(&png);
        format!(
            "<text:p><draw:frame draw:name=\"Photo {number}\" text:anchor-type=\"as-char\" \
             svg:width=\"{w}cm\" svg:height=\"{h}cm\"><draw:image><office:binary-data>{data}\
             </office:binary-data></draw:image></draw:frame></text:p>\n",
            w = 12.0,
            h = 12.0 * f64::from(height) / f64::from(width),
        )
    }
}

/// The words the paragraphs are made of.
const WORDS: &str = "document server office kit broker jail storage checkpoint edit people typing \
     browser paragraph table sheet slide the and of with every never again after before quickly \
     quietly their own";

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
    xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
    xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
    office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:text-properties fo:font-size="12pt"/>
  </style:default-style>
 </office:styles>
 <office:body>
  <office:text>
"#;

const TAIL: &str = "  </office:text>\n </office:body>\n</office:document>\n";
