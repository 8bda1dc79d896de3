CREATE TABLE `event_purges` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`purged_through` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`mailbox_id` text,
	`message_id` text,
	`ref` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_tenant_idx` ON `events` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `events_created_idx` ON `events` (`created_at`);--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `event_seq` integer;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_event_idx` ON `webhook_deliveries` (`event_seq`,`endpoint_id`);--> statement-breakpoint
-- Each event queues one delivery per matching endpoint in the same commit (db/schema/events.ts).
-- The body is the Standard Webhooks payload {type, timestamp, data}; its id is the same for the
-- same (event, endpoint) however often it is queued (POST /v1/webhooks/{id}/recover).
CREATE TRIGGER `events_fan_out` AFTER INSERT ON `events`
BEGIN
	INSERT INTO `webhook_deliveries`
		(`id`, `endpoint_id`, `tenant_id`, `message_id`, `event_type`, `event_seq`, `payload`, `status`,
			`attempts`, `next_attempt_at`, `created_at`)
	SELECT 'dlv_' || NEW.`ref` || '_' || substr(e.`id`, instr(e.`id`, '_') + 1), e.`id`, e.`tenant_id`,
		NEW.`message_id`, NEW.`type`, NEW.`seq`,
		'{"type":' || json_quote(NEW.`type`) || ',"timestamp":"'
			|| strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at` / 1000.0, 'unixepoch') || '","data":' || NEW.`data` || '}',
		'pending', 0, NEW.`created_at`, NEW.`created_at`
	FROM `webhook_endpoints` e
	WHERE e.`tenant_id` = NEW.`tenant_id` AND e.`enabled` = 1
		AND (e.`mailbox_id` IS NULL OR NEW.`mailbox_id` IS NULL OR e.`mailbox_id` = NEW.`mailbox_id`)
		AND EXISTS (SELECT 1 FROM json_each(e.`event_types`) WHERE json_each.value = NEW.`type`)
		-- An endpoint is not told of its own disabling.
		AND NOT (NEW.`type` = 'webhook.endpoint.disabled' AND e.`id` = json_extract(NEW.`data`, '$.endpoint_id'));
END;
