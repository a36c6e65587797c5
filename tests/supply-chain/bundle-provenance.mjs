// Proves that the built UI bundle (ui/dist) holds only this repository's tracked sources and the
// runtime packages package-lock.json pins, at the versions it pins. A package that is missing from
// the lockfile, installed at another version, marked dev-only (tooling must never reach the app) or
// a file that git does not track fails the check, naming the module.
//
// Input: ui/dist-modules.json, written by `npm run build` (the bundle-module-list plugin in
// ui/vite.config.ts). Usage: node tests/supply-chain/bundle-provenance.mjs
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// Modules the bundler itself generates (its chunk runtime and Vite's preload polyfill).
const BUNDLER_MODULES = new Set(["\0rolldown/runtime.js", "\0vite/modulepreload-polyfill.js"]);

const modules = JSON.parse(readFileSync("ui/dist-modules.json", "utf8"));
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")).packages;
const tracked = new Set(execFileSync("git", ["ls-files", "ui"], { encoding: "utf8" }).split("\n"));

/** The installed package folder a module belongs to: the last `node_modules/<name>` in its path. */
function packageFolder(id) {
  const parts = id.split("/");
  let end = -1;
  for (let i = 0; i < parts.length; i += 1) {
    if (parts[i] === "node_modules") {
      end = i + (parts[i + 1]?.startsWith("@") ? 2 : 1);
    }
  }
  return end < 0 ? null : parts.slice(0, end + 1).join("/");
}

const problems = [];
const packages = new Map();
for (const id of modules) {
  if (BUNDLER_MODULES.has(id)) continue;
  if (id.startsWith("\0") || id.startsWith("/") || id.includes("..")) {
    problems.push(`${JSON.stringify(id)}: not a file of this repository or its lockfile`);
    continue;
  }
  const folder = packageFolder(id);
  if (folder === null) {
    if (!tracked.has(id)) problems.push(`${id}: a UI file git does not track`);
    continue;
  }
  if (packages.has(folder)) continue;
  const entry = lock[folder];
  const installed = JSON.parse(readFileSync(`${folder}/package.json`, "utf8"));
  packages.set(folder, installed.version);
  if (entry === undefined) {
    problems.push(`${folder}: in the bundle but not in package-lock.json`);
  } else if (entry.version !== installed.version) {
    problems.push(`${folder}: installed ${installed.version}, the lockfile pins ${entry.version}`);
  } else if (typeof entry.integrity !== "string") {
    problems.push(`${folder}: the lockfile carries no integrity hash for it`);
  } else if (entry.dev === true) {
    problems.push(`${folder}: a dev-only package reached the app's bundle`);
  }
}

if (problems.length > 0) {
  console.error(`the UI bundle is not made only of the lockfile's packages:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
const names = [...packages].map(([folder, version]) => `${folder.replace(/^node_modules\//, "")}@${version}`);
console.log(`UI bundle: ${modules.length} modules, from our sources and ${packages.size} locked packages: ${names.join(", ")}`);
