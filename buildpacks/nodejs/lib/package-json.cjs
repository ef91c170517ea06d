// Answers questions about an app's package.json for the bash scripts.
//   node package-json.cjs FILE check                 valid JSON object, else a message, exit 1
//   node package-json.cjs FILE engine node|npm       prints the engines range (empty when none)
//   node package-json.cjs FILE script NAME           exit 0 when the script exists
//   node package-json.cjs FILE dev-dependencies      exit 0 when there are devDependencies
//   node package-json.cjs FILE package-manager       prints packageManager ("pnpm@9.1.0+sha512..."), empty when none
//   node package-json.cjs FILE facts                 all the answers above, one `question<TAB>answer` a line
//                                                    (the buildpack asks once: each node start costs a tenth of a second)
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

const engine = (which) => String(has(pkg.engines, which) ? pkg.engines[which] : "").trim();
const hasScript = (script) => has(pkg.scripts, script) && String(pkg.scripts[script]).trim() !== "";
const hasDevDependencies = () => Boolean(pkg.devDependencies && Object.keys(pkg.devDependencies).length > 0);
const packageManager = () => (typeof pkg.packageManager === "string" ? pkg.packageManager.trim() : "");

switch (question) {
  case "check":
    break;
  case "engine":
    console.log(engine(name));
    break;
  case "script":
    process.exitCode = hasScript(name) ? 0 : 1;
    break;
  case "dev-dependencies":
    process.exitCode = hasDevDependencies() ? 0 : 1;
    break;
  case "package-manager":
    console.log(packageManager());
    break;
  case "facts": {
    const facts = {
      "engine node": engine("node"),
      "engine npm": engine("npm"),
      "package-manager": packageManager(),
      "script heroku-postbuild": hasScript("heroku-postbuild") ? "yes" : "",
      "script build": hasScript("build") ? "yes" : "",
      "dev-dependencies": hasDevDependencies() ? "yes" : "",
    };
    // One line each, whatever the values hold.
    for (const [key, value] of Object.entries(facts)) console.log(`${key}\t${value.replace(/[\t\r\n]/g, " ")}`);
    break;
  }
  default:
    console.log(`unknown question '${question}'`);
    process.exitCode = 2;
}
