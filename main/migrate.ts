// `npm run migrate`: apply migrations to DATABASE_URL and exit (run before deploying the Worker).
import { createDatabase } from "../db/client";
import { ensureDatabaseFolder, migrateDatabase } from "../db/migrate";
import { loadConfigOrExit } from "../runtime/boot";

const config = loadConfigOrExit();
ensureDatabaseFolder(config.databaseUrl);
const database = await createDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
await migrateDatabase(database);
database.close();
console.log(`migrations applied to ${config.databaseUrl.replace(/\?.*$/, "")}`);
