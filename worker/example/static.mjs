// Fills static/, the example Worker's folder of static files (edgeworker
// -static): the demo page under /demo/ and the npm package's files under
// /src/, where the demo expects them. Run by make after make web.
//
// edgesignals.wasm gets a name that carries its content hash, which the
// Worker serves as immutable (cached for a year: a new build is a new name),
// and the demo page names it. There is one copy only: the Worker holds every
// static file, and Workers limit its size (3 MB compressed on the free plan).
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const STATIC = here("static/");

rmSync(STATIC, { recursive: true, force: true });
const sources = { "demo/": here("../../web/demo/"), "src/": here("../../web/src/") };
for (const [dir, from] of Object.entries(sources)) {
  mkdirSync(STATIC + dir, { recursive: true });
  for (const name of readdirSync(from)) {
    // The page, its script and style, and what the package publishes.
    if (!/\.(html|css|js|wasm)$/.test(name) || name === "serve.js") continue;
    cpSync(from + name, STATIC + dir + name);
  }
}

const wasm = STATIC + "src/edgesignals.wasm";
const hash = createHash("sha256").update(readFileSync(wasm)).digest("hex").slice(0, 16);
const hashed = `edgesignals.${hash}.wasm`;
renameSync(wasm, STATIC + "src/" + hashed);
const page = STATIC + "demo/index.html";
const html = readFileSync(page, "utf8");
const named = html.replaceAll('"../src/edgesignals.wasm"', `"../src/${hashed}"`);
if (named === html) throw new Error(`${page} does not name ../src/edgesignals.wasm`);
// The package's modules, fetched together from the page's head rather than
// one level of imports after another once the page's script imports
// index.js: a <link rel="modulepreload"> each, after the stylesheet, so that
// the module's preload, the scripts and the stylesheet go first (a browser
// opens only six connections to a host over HTTP/1.1, as workerd serves).
const stylesheet = named.match(/\n( *)<link rel="stylesheet" [^>]*>/);
if (!stylesheet) throw new Error(`${page} has no <link rel="stylesheet">`);
const links = modules("index.js").map((name) => `\n${stylesheet[1]}<link rel="modulepreload" href="../src/${name}">`);
const linked = named.replace(stylesheet[0], stylesheet[0] + links.join(""));
// The example Worker binds the signal hub (edgeworker -hub): the demo page
// shares orders between tabs through it. And it has a live feed of its
// orders (GET /api/events), which the page shows in its log.
const marked = linked.replace("<body>", '<body data-hub="/hub/" data-feed="/api/events">');
if (marked === linked) throw new Error(`${page} has no <body> to mark`);
writeFileSync(page, marked);

/** name and the package's modules it imports, directly or not, in the order first met. */
function modules(name, seen = new Set()) {
  if (seen.has(name)) return [];
  seen.add(name);
  const source = readFileSync(STATIC + "src/" + name, "utf8");
  const imports = source.matchAll(/^\s*(?:import|export)\b[^'"]*?['"]\.\/([\w.-]+\.js)['"]/gm);
  return [name, ...[...imports].flatMap(([, next]) => modules(next, seen))];
}
