// Builds static/js/editor.min.js from static/src/editor.js, and the licences of what it bundles.
// Run from the repository root with `npm ci && npm run build`; the output depends only on the
// sources and the versions locked in package-lock.json.

import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

import * as esbuild from "esbuild";

const OUTFILE = "static/js/editor.min.js";
const LICENCES = "static/js/editor.LICENSES.txt";

const result = await esbuild.build({
  entryPoints: ["static/src/editor.js"],
  outfile: OUTFILE,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  metafile: true,
  banner: {
    js: "/* ImageHub template editor: built from static/src by `npm run build`; CodeMirror 6 and the other bundled packages are under the licences in editor.LICENSES.txt */",
  },
  logLevel: "info",
});

const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) {
    packages.add(match[1]);
  }
}

const sections = [...packages].sort().map((name) => {
  const directory = join("node_modules", name);
  const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
  const licenceFile = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE"].find((candidate) =>
    existsSync(join(directory, candidate)),
  );
  if (!licenceFile) {
    throw new Error(`${name} has no licence file; check its licence before bundling it`);
  }
  const text = readFileSync(join(directory, licenceFile), "utf8").trim();
  return `${name}@${manifest.version} (${manifest.license})\n\n${text}\n`;
});
writeFileSync(
  LICENCES,
  `Packages bundled into editor.min.js, with their licences.\n\n${sections.join(`\n${"-".repeat(72)}\n\n`)}`,
);
console.log(`${LICENCES}: ${packages.size} packages`);
