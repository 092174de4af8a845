// Presentations made by the specs themselves, as Flat ODF (`.fodp`, one XML file that
// LibreOffice opens and saves like an .odp): so many slides, their names, titles, speaker notes,
// transitions and hidden slides as a test needs them, and a stored file that is read back as
// plain XML. Written into the local store's folder, whose index lists every file in it.
const fs = require('node:fs');
const path = require('node:path');
const { expect, settle, twipsToClient } = require('./helpers');

function escapeXml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * slides: [{name, title, body, notes, hidden, transition: {type, subtype, direction, speed}}].
 * Returns the file's path in the store.
 */
function writePresentation(fileName, slides) {
  const pageStyles = [];
  const pages = slides.map((slide, i) => {
    const props = [];
    if (slide.hidden) props.push('presentation:visibility="hidden"');
    if (slide.transition) {
      const t = slide.transition;
      props.push(`smil:type="${t.type}"`);
      if (t.subtype) props.push(`smil:subtype="${t.subtype}"`);
      if (t.direction) props.push(`smil:direction="${t.direction}"`);
      props.push(`presentation:transition-speed="${t.speed || 'fast'}"`);
    }
    let style = '';
    if (props.length > 0) {
      style = ` draw:style-name="dp${i + 1}"`;
      pageStyles.push(`  <style:style style:name="dp${i + 1}" style:family="drawing-page"><style:drawing-page-properties ${props.join(' ')}/></style:style>`);
    }
    const notes = slide.notes === undefined ? '' : `
    <presentation:notes>
     <draw:page-thumbnail presentation:class="page" svg:x="2cm" svg:y="2cm" svg:width="17cm" svg:height="9.5cm"/>
     <draw:frame presentation:class="notes" svg:x="2cm" svg:y="14cm" svg:width="17cm" svg:height="12cm">
      <draw:text-box><text:p>${escapeXml(slide.notes)}</text:p></draw:text-box>
     </draw:frame>
    </presentation:notes>`;
    const body = slide.body === undefined ? '' : `
    <draw:frame presentation:class="outline" svg:x="2cm" svg:y="5cm" svg:width="24cm" svg:height="8cm">
     <draw:text-box><text:p>${escapeXml(slide.body)}</text:p></draw:text-box>
    </draw:frame>`;
    return `   <draw:page draw:name="${escapeXml(slide.name || `Slide${i + 1}`)}"${style} draw:master-page-name="Default" presentation:presentation-page-layout-name="AL1T1">
    <draw:frame presentation:class="title" svg:x="2cm" svg:y="1cm" svg:width="24cm" svg:height="3cm">
     <draw:text-box><text:p>${escapeXml(slide.title)}</text:p></draw:text-box>
    </draw:frame>${body}${notes}
   </draw:page>`;
  });
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
    xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
    xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
    xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
    xmlns:smil="urn:oasis:names:tc:opendocument:xmlns:smil-compatible:1.0"
    office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:styles>
  <style:default-style style:family="graphic">
   <style:text-properties fo:font-size="24pt"/>
  </style:default-style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="PM1">
   <style:page-layout-properties fo:margin-top="0cm" fo:margin-bottom="0cm" fo:margin-left="0cm" fo:margin-right="0cm" fo:page-width="28cm" fo:page-height="15.75cm" style:print-orientation="landscape"/>
  </style:page-layout>
${pageStyles.join('\n')}
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Default" style:page-layout-name="PM1"/>
 </office:master-styles>
 <office:body>
  <office:presentation>
${pages.join('\n')}
  </office:presentation>
 </office:body>
</office:document>
`;
  const file = path.join(process.env.OXOOL_DOCUMENTS, fileName);
  fs.writeFileSync(file, xml);
  return file;
}

/** The stored Flat ODF presentation's slides, in order: {name, text (all its text), xml}. */
function storedSlides(fileName) {
  const xml = fs.readFileSync(path.join(process.env.OXOOL_DOCUMENTS, fileName), 'utf8');
  const body = xml.slice(xml.indexOf('<office:presentation'));
  return [...body.matchAll(/<draw:page [^>]*>.*?<\/draw:page>/gs)].map((m) => {
    const page = m[0];
    const name = (/draw:name="([^"]*)"/.exec(page) || [])[1];
    const notesAt = page.indexOf('<presentation:notes');
    const text = (s) => [...s.matchAll(/<text:p[^>]*>(.*?)<\/text:p>/gs)].map((t) => t[1].replace(/<[^>]+>/g, '')).join(' | ');
    return {
      name,
      text: text(notesAt < 0 ? page : page.slice(0, notesAt)),
      notes: notesAt < 0 ? '' : text(page.slice(notesAt)),
      xml: page,
    };
  });
}

const CM_TO_TWIPS = 1440 / 2.54;

/**
 * In `page`'s normal view: goes to slide `part` (of `count`) through the slide strip, enters
 * its title (a double click at the middle of writePresentation's title box) and types `text` at
 * the title's end. The caller leaves the text (Escape) when it has seen what it needs.
 */
async function typeIntoTitle(page, part, count, text) {
  await page.locator(`#slide-strip .slide-thumb[data-part="${part}"]`).click();
  await expect(page.locator('.slide-number')).toHaveText(`Slide ${part + 1} of ${count}`);
  await settle(page);
  const at = await twipsToClient(page, 14 * CM_TO_TWIPS, 2.5 * CM_TO_TWIPS);
  await page.mouse.dblclick(at.x, at.y);
  await page.waitForFunction(() => document.getElementById('own-caret'));
  await page.keyboard.press('End');
  await page.keyboard.type(text);
}

module.exports = { writePresentation, storedSlides, typeIntoTitle };
