// One real server for the whole run; the specs find it through OXOOL_* environment variables.
const fs = require('node:fs');
const path = require('node:path');
const { startServer } = require('./server');

module.exports = async function globalSetup() {
  const server = await startServer();
  process.env.OXOOL_BASE_URL = server.baseURL;
  process.env.OXOOL_DOCUMENTS = server.documents;
  process.env.OXOOL_ADMIN_SOCKET = server.adminSocket;
  process.env.OXOOL_WSD_PID = String(server.child.pid);
  fs.writeFileSync(path.join(server.documents, '..', 'server.json'), JSON.stringify({ baseURL: server.baseURL, pid: server.child.pid }));
  return async () => {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => { server.child.kill('SIGKILL'); resolve(); }, 20000);
      server.child.on('exit', () => { clearTimeout(timer); resolve(); });
    });
  };
};
