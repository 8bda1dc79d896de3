export * from "./events";
export * from "./messages";
export * from "./tenancy";
export * from "./webhooks";
