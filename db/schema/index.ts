export * from "./events";
export * from "./messages";
export * from "./policy";
export * from "./tenancy";
export * from "./webhooks";
