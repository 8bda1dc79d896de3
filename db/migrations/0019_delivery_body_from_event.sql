-- A delivery of a logged event keeps no copy of its body while the event is in the log: an empty
-- `payload` is the event's body, {type, timestamp, data}, made when the drain claims the delivery
-- (core/outbox/drain.ts). The drain's claim and record rewrite a delivery's row twice; without a
-- 15 KB body in it those are small rows. Retention writes the body into a delivery before it deletes
-- the event (core/events/retention.ts), so a dead delivery can still be replayed afterwards.
DROP TRIGGER `events_fan_out`;--> statement-breakpoint
CREATE TRIGGER `events_fan_out` AFTER INSERT ON `events`
BEGIN
	INSERT INTO `webhook_deliveries`
		(`id`, `endpoint_id`, `tenant_id`, `message_id`, `event_type`, `event_seq`, `payload`, `status`,
			`attempts`, `next_attempt_at`, `created_at`)
	SELECT 'dlv_' || NEW.`ref` || '_' || substr(e.`id`, instr(e.`id`, '_') + 1), e.`id`, e.`tenant_id`,
		NEW.`message_id`, NEW.`type`, NEW.`seq`, '', 'pending', 0, NEW.`created_at`, NEW.`created_at`
	FROM `webhook_endpoints` e
	WHERE e.`tenant_id` = NEW.`tenant_id` AND e.`enabled` = 1
		AND (e.`mailbox_id` IS NULL OR NEW.`mailbox_id` IS NULL OR e.`mailbox_id` = NEW.`mailbox_id`)
		AND EXISTS (SELECT 1 FROM json_each(e.`event_types`) WHERE json_each.value = NEW.`type`)
		-- An endpoint is not told of its own disabling.
		AND NOT (NEW.`type` = 'webhook.endpoint.disabled' AND e.`id` = json_extract(NEW.`data`, '$.endpoint_id'));
END;
