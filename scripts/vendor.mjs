// Copy the pinned front-end libraries from node_modules into the repository.
//
// `make vendor` runs `npm ci` and then this script; the copied files are committed, so serving
// the site and running the tests never need npm or the network. Each library lands in its own
// folder together with its licence and a VERSION file naming the exact npm release.
//
// - Libraries the public site serves go to static/vendor/<package>/ (collected by collectstatic).
// - Test-only tools go to tests/browser/vendor/<package>/ so they are never published by the
//   site (axe-core is injected by the browser tests, not loaded by any page).
//
// To add a library: `npm install --save-dev --save-exact <package>@<version>`, add an entry
// below, run `make vendor`, commit package.json, package-lock.json and the copied files.

import { createRequire } from "node:module";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(ROOT, "package.json"));

const STATIC = "static/vendor";
const TEST_ONLY = "tests/browser/vendor";

/** package: npm name; into: base folder; files: [source in the package, target name]. */
const LIBRARIES = [
  {
    package: "axe-core",
    into: TEST_ONLY,
    files: [["axe.min.js", "axe.min.js"]],
    licences: ["LICENSE", "LICENSE-3RD-PARTY.txt"],
  },
];

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

function lockedVersion(name) {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry) throw new Error(`${name} is not in package-lock.json`);
  return entry.version;
}

for (const library of LIBRARIES) {
  const source = packageDir(library.package);
  const installed = JSON.parse(readFileSync(join(source, "package.json"), "utf8")).version;
  const locked = lockedVersion(library.package);
  if (installed !== locked) {
    throw new Error(
      `${library.package}: node_modules has ${installed} but the lock pins ${locked}; run npm ci`,
    );
  }
  const target = join(ROOT, library.into, library.package);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const [from, to] of library.files) {
    mkdirSync(dirname(join(target, to)), { recursive: true });
    copyFileSync(join(source, from), join(target, to));
  }
  for (const licence of library.licences) {
    if (!existsSync(join(source, licence))) {
      throw new Error(`${library.package}: licence file ${licence} is missing`);
    }
    copyFileSync(join(source, licence), join(target, licence));
  }
  writeFileSync(join(target, "VERSION"), `${library.package}@${installed}\n`);
  console.log(`vendored ${library.package}@${installed} -> ${library.into}/${library.package}/`);
}
