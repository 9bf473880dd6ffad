// A static server for web/ on 127.0.0.1, with the MIME types WebAssembly
// needs. `node demo/serve.js [port]` serves the demo (make dev does); the
// page tests import serveWeb and add pages of their own.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('..', import.meta.url)); // ends with a separator

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves web/ on 127.0.0.1, plus the given pages (path -> HTML, or
 * {type, body} for other content).
 * @returns {Promise<{ server: import('node:http').Server, origin: string }>}
 */
export async function serveWeb({ port = 0, pages = {} } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const page = pages[path];
    if (typeof page === 'string') return send(res, 200, MIME['.html'], page);
    if (page) return send(res, 200, page.type, page.body);
    const file = WEB + path.replace(/^\/+/, '').replaceAll('/', sep) + (path.endsWith('/') ? 'index.html' : '');
    if (!file.startsWith(WEB) || path.includes('..') || !MIME[extname(file)]) return send(res, 404, 'text/plain', 'not found');
    try {
      send(res, 200, MIME[extname(file)], await readFile(file));
    } catch {
      send(res, 404, 'text/plain', 'not found');
    }
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await serveWeb({ port: Number(process.argv[2] ?? 8080) });
  console.log(`edgesignals demo: ${origin}/demo/`);
}
