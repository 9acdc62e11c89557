// Parse AsyncAPI documents with the official parser; print every diagnostic and exit 1 if any
// is an error or a warning. Usage: node validate.mjs FILE...
import { readFile } from "node:fs/promises";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const path of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"), {
    source: path,
  });
  const serious = diagnostics.filter((d) => d.severity <= DiagnosticSeverity.Warning);
  for (const d of diagnostics) {
    const where = d.path.join("/");
    console.log(`${path}: ${DiagnosticSeverity[d.severity]} ${d.code} at ${where}: ${d.message}`);
  }
  if (!document || serious.length > 0) failed = true;
  else console.log(`${path}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, ${document.messages().length} messages`);
}
process.exit(failed ? 1 : 0);
