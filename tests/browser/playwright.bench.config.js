// The browser benchmark (make browser-bench): same real server as the tests, its own folder.
const base = require('./playwright.config.js');

module.exports = { ...base, testDir: 'bench', timeout: 600_000 };
