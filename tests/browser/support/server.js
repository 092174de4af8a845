// Starts a real oxool-wsd (real forkit, real kits) for the browser tests, with a configuration
// written by scripts/dev-config.sh plus a free port, the repo's browser/ as `[browser] root`
// and a peer-to-peer admin socket. The built-in local store serves fresh copies of the test
// fixtures, under the names the specs use.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..', '..');
const work = path.join(repo, 'build', 'browser-test');
const artifacts = path.join(repo, 'build', 'browser-artifacts');
const bin = process.env.OXOOL_BIN_DIR || path.join(repo, 'target', 'debug');

// name in the store → fixture it is copied from
const DOCUMENTS = {
  'writer.docx': 'simple.docx',
  'comments.docx': 'simple.docx',
  'comments.xlsx': 'simple.xlsx',
  'comments.pptx': 'simple.pptx',
  // Tracked changes (specs/track-changes.spec.js).
  'changes.docx': 'simple.docx',
  'tracked.docx': 'tracked.docx',
  'undo.docx': 'simple.docx',
  'coedit.odt': 'simple.odt',
  'races.odt': 'simple.odt',
  'calc.xlsx': 'simple.xlsx',
  // Calc as people use it (specs/calc-*.spec.js).
  'calc-headers.ods': 'simple.ods',
  'calc-sheets.ods': 'simple.ods',
  'calc-freeze.ods': 'simple.ods',
  'calc-format.ods': 'simple.ods',
  'calc-sort.ods': 'simple.ods',
  'calc-func.ods': 'simple.ods',
  'impress.pptx': 'simple.pptx',
  'viewonly.docx': 'simple.docx',
  'viewonly-copy.docx': 'simple.docx',
  'crash.docx': 'simple.docx',
  'bench.docx': 'simple.docx',
  'bench-whole.docx': 'simple.docx',
  'interact.docx': 'simple.docx',
  'savefail.docx': 'simple.docx',
  'long.docx': 'bench-7pages.docx',
  'follow.docx': 'bench-7pages.docx',
  'follow.xlsx': 'simple.xlsx',
  'order.odt': 'simple.odt',
  'clip.docx': 'simple.docx',
  'deltas.docx': 'simple.docx',
  'clipcalc.ods': 'simple.ods',
  'clip2.odt': 'simple.odt',
  'names.odp': 'simple.odp',
  // Menus, context menu, find bar, print, password, scripts (specs/menus, find, print, …).
  'menus.docx': 'simple.docx',
  'menus.ods': 'simple.ods',
  'menus.odp': 'simple.odp',
  'context.docx': 'simple.docx',
  'find.docx': 'simple.docx',
  'print.docx': 'simple.docx',
  'spell.docx': 'simple.docx',
  'lang.docx': 'simple.docx',
  'scripts.docx': 'simple.docx',
  // LibreOffice's dialogs (specs/dialogs*.spec.js, specs/jsdialog.spec.js)
  'dlg-para.docx': 'simple.docx',
  'dlg-table.odt': 'simple.odt',
  'dlg-link.docx': 'simple.docx',
  'dlg-two.odt': 'simple.odt',
  'dlg-escape.odt': 'simple.odt',
  'dlg-leave.odt': 'simple.odt',
  'dlg-find.odt': 'simple.odt',
  'dlg-sidebar.odt': 'simple.odt',
  'dlg-csv.ods': 'simple.ods',
  'dlg-hidpi.odt': 'simple.odt',
  'dlg-filter.ods': 'simple.ods',
  'dlg-ime.docx': 'simple.docx',
  'dlg-modal.odt': 'simple.odt',
  'dlg-tab.odt': 'simple.odt',
  // Insert (specs/insert*.spec.js): table picker, header/footer/breaks, links, images.
  'ins-table.docx': 'simple.docx',
  'ins-table.odp': 'simple.odp',
  'ins-page.docx': 'simple.docx',
  'ins-link.docx': 'simple.docx',
  'ins-image.docx': 'simple.docx',
  'ins-image.odt': 'simple.odt',
  'ins-image.xlsx': 'simple.xlsx',
  'ins-image.pptx': 'simple.pptx',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHttp(url, child, logFile) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) {
      throw new Error(`oxool-wsd exited (${child.exitCode}); see ${logFile}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`oxool-wsd did not answer ${url}; see ${logFile}`);
}

async function startServer() {
  fs.mkdirSync(artifacts, { recursive: true });
  fs.rmSync(path.join(work, 'documents'), { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'documents'), { recursive: true });
  for (const [name, fixture] of Object.entries(DOCUMENTS)) {
    fs.copyFileSync(path.join(repo, 'tests', 'fixtures', fixture), path.join(work, 'documents', name));
  }
  const port = await freePort();
  const config = execFileSync(path.join(repo, 'scripts', 'dev-config.sh'), [work, bin, String(port)], { encoding: 'utf8' }).trim();
  const adminSocket = path.join(work, 'admin.sock');
  let text = fs.readFileSync(config, 'utf8');
  // Extra `[editing]` lines for one run (e.g. `share_tiles = true`), to try a setting in the
  // browser without changing the defaults.
  if (process.env.OXOOL_BROWSER_EDITING) text = text.replace(/^\[editing\]$/m, `[editing]\n${process.env.OXOOL_BROWSER_EDITING}`);
  let extra = `
[net]
listen = "127.0.0.1:${port}"
admin_socket = "${adminSocket}"
`;
  if (!/^\[browser\]/m.test(text)) extra += `\n[browser]\nroot = "${path.join(repo, 'browser')}"\n`;
  const testConfig = path.join(work, 'oxool-browser-test.toml');
  fs.writeFileSync(testConfig, text + extra);
  const logFile = path.join(artifacts, 'wsd.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(path.join(bin, 'oxool-wsd'), ['--config', testConfig], {
    stdio: ['ignore', log, log],
    detached: false,
  });
  const baseURL = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseURL}/`, child, logFile);
  return { child, baseURL, documents: path.join(work, 'documents'), adminSocket, logFile };
}

module.exports = { startServer, repo, artifacts, bin, DOCUMENTS };
