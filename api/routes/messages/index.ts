import type { OpenAPIHono } from "@hono/zod-openapi";
import type { WaitSlots } from "../../../core/messages/wait";
import type { AppDeps, AppEnv } from "../../context";
import { registerMessageListRoutes } from "./list";
import { registerMessageReadRoutes } from "./read";
import { registerMessageUpdateRoutes } from "./update";

/** Messages: listing, search and long poll (list.ts), reading (read.ts), seen and delete (update.ts). */
export function registerMessageRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, waitSlots: WaitSlots): void {
  // The long poll path is more specific than the list's; registration order does not matter to Hono's router.
  registerMessageListRoutes(app, deps, waitSlots);
  registerMessageReadRoutes(app, deps);
  registerMessageUpdateRoutes(app, deps);
}
