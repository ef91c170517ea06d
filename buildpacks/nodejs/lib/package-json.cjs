// Answers questions about an app's package.json for the bash scripts.
//   node package-json.cjs FILE check                 valid JSON object, else a message, exit 1
//   node package-json.cjs FILE engine node|npm       prints the engines range (empty when none)
//   node package-json.cjs FILE script NAME           exit 0 when the script exists
//   node package-json.cjs FILE dev-dependencies      exit 0 when there are devDependencies
//   node package-json.cjs FILE package-manager       prints packageManager ("pnpm@9.1.0+sha512..."), empty when none
"use strict";
const fs = require("fs");

const [file, question, name] = process.argv.slice(2);

let pkg;
try {
  pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  if (pkg === null || typeof pkg !== "object" || Array.isArray(pkg)) throw new Error("it is not a JSON object");
} catch (err) {
  console.log(`package.json cannot be read: ${err.message}. Fix package.json and push again.`);
  process.exit(1);
}

const has = (obj, key) => obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key);

switch (question) {
  case "check":
    break;
  case "engine": {
    const range = has(pkg.engines, name) ? pkg.engines[name] : "";
    console.log(String(range).trim());
    break;
  }
  case "script":
    process.exitCode = has(pkg.scripts, name) && String(pkg.scripts[name]).trim() !== "" ? 0 : 1;
    break;
  case "dev-dependencies":
    process.exitCode = pkg.devDependencies && Object.keys(pkg.devDependencies).length > 0 ? 0 : 1;
    break;
  case "package-manager":
    console.log(typeof pkg.packageManager === "string" ? pkg.packageManager.trim() : "");
    break;
  default:
    console.log(`unknown question '${question}'`);
    process.exitCode = 2;
}
