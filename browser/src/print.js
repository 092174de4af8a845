// Printing through the browser's print dialog: LibreOffice exports a PDF (`download
// format=pdf`), the PDF goes into a hidden iframe as a blob URL and that frame prints, so the
// pages and their size are the document's. Where the page's security policy forbids framing the
// PDF, the PDF is downloaded instead, to be printed from a PDF viewer.

import { downloadBlob } from './chrome.js';

export class Printer {
  /** ctx: {send, nextDownloadId(), toast(text, level), name() → document name} */
  constructor(ctx) {
    this.ctx = ctx;
    this.ids = new Set();
    this.frame = null;
    this.url = null;
  }

  print() {
    const id = this.ctx.nextDownloadId();
    if (!this.ctx.send('download', { id, format: 'pdf' })) return;
    this.ids.add(String(id));
    this.ctx.toast('Preparing the document for printing…');
  }

  /** Whether a `download` answer is one of ours. */
  owns(args) {
    return this.ids.has(String(args.id));
  }

  /** The PDF of a print request. */
  receive(args, bytes) {
    this.ids.delete(String(args.id));
    for (const t of document.querySelectorAll('#toasts .toast')) {
      if (t.dataset.text.startsWith('Preparing the document for printing')) t.remove();
    }
    const name = (this.ctx.name() || 'document').replace(/\.[^.]+$/, '') + '.pdf';
    if (this.frame) this.frame.remove();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
    const frame = document.createElement('iframe');
    frame.id = 'print-frame';
    frame.className = 'print-frame';
    frame.title = 'Document to print';
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    this.frame = frame;
    frame.addEventListener('load', () => {
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();
        frame.dataset.printed = '1';
      } catch {
        // The frame holds an error page of another origin: the security policy blocked it.
        frame.dataset.printed = 'blocked';
        downloadBlob(bytes, name);
        this.ctx.toast('The browser did not allow printing from this page, so the PDF was downloaded: print it from your PDF viewer.', 'warning');
      }
    }, { once: true });
    frame.src = this.url;
    document.body.appendChild(frame);
  }
}
