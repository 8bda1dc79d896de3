// `npm run ui:build`: bundles the web inbox's client into api/ui/client-script.ts.
import { relative } from "node:path";
import { buildClientScript, CLIENT_MODULE, clientModuleSource } from "../runtime/ui-client-build";

const script = await buildClientScript();
await Bun.write(CLIENT_MODULE, clientModuleSource(script));
console.log(
  `wrote ${relative(process.cwd(), CLIENT_MODULE)} (${(script.length / 1024).toFixed(1)} KiB of script)`,
);
