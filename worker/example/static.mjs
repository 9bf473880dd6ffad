// Fills static/, the example Worker's folder of static files (edgeworker
// -static): the demo page under /demo/ and the npm package's files under
// /src/, where the demo expects them. Run by make after make web.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
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
