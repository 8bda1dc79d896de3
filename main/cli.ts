// `npm run omnimail -- <command>`: the operator's CLI, straight on DATABASE_URL.
import { runCli } from "../cli/main";

process.exitCode = await runCli(process.argv.slice(2));
