import { defineConfig } from "drizzle-kit";

// Used only by `npm run db:generate` to write SQL migrations from db/schema.
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
