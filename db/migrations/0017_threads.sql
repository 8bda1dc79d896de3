CREATE TABLE `threads` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`mailbox_id` text NOT NULL,
	`subject` text,
	`message_count` integer DEFAULT 0 NOT NULL,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`first_message_at` integer NOT NULL,
	`last_message_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `threads_mailbox_activity_idx` ON `threads` (`tenant_id`,`mailbox_id`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `threads_tenant_activity_idx` ON `threads` (`tenant_id`,`last_message_at`,`id`);--> statement-breakpoint
CREATE TRIGGER `threads_on_insert` AFTER INSERT ON `messages`
	WHEN NEW.`thread_id` IS NOT NULL AND NEW.`quarantined` = 0
BEGIN
	INSERT INTO `threads` (`id`, `tenant_id`, `mailbox_id`, `subject`, `message_count`, `unread_count`,
			`first_message_at`, `last_message_at`)
		VALUES (NEW.`thread_id`, NEW.`tenant_id`, NEW.`mailbox_id`, NEW.`subject`, 1, NEW.`seen` = 0,
			NEW.`received_at`, NEW.`received_at`)
		ON CONFLICT (`id`) DO UPDATE SET `message_count` = `message_count` + 1,
			`unread_count` = `unread_count` + (NEW.`seen` = 0),
			`first_message_at` = min(`first_message_at`, NEW.`received_at`),
			`last_message_at` = max(`last_message_at`, NEW.`received_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `threads_on_delete` AFTER DELETE ON `messages`
	WHEN OLD.`thread_id` IS NOT NULL AND OLD.`quarantined` = 0
BEGIN
	UPDATE `threads` SET `message_count` = `message_count` - 1, `unread_count` = `unread_count` - (OLD.`seen` = 0)
		WHERE `id` = OLD.`thread_id`;
	DELETE FROM `threads` WHERE `id` = OLD.`thread_id` AND `message_count` <= 0;
END;
--> statement-breakpoint
-- A read mark, a release from quarantine, or a reparse that moved the message to another thread:
-- the old state comes out of its thread, the new one goes into its own.
CREATE TRIGGER `threads_on_update` AFTER UPDATE OF `seen`, `quarantined`, `thread_id` ON `messages`
BEGIN
	UPDATE `threads` SET `message_count` = `message_count` - 1, `unread_count` = `unread_count` - (OLD.`seen` = 0)
		WHERE `id` = OLD.`thread_id` AND OLD.`quarantined` = 0;
	DELETE FROM `threads` WHERE `id` = OLD.`thread_id` AND `message_count` <= 0;
	INSERT INTO `threads` (`id`, `tenant_id`, `mailbox_id`, `subject`, `message_count`, `unread_count`,
			`first_message_at`, `last_message_at`)
		SELECT NEW.`thread_id`, NEW.`tenant_id`, NEW.`mailbox_id`, NEW.`subject`, 1, NEW.`seen` = 0,
			NEW.`received_at`, NEW.`received_at`
		WHERE NEW.`thread_id` IS NOT NULL AND NEW.`quarantined` = 0
		ON CONFLICT (`id`) DO UPDATE SET `message_count` = `message_count` + 1,
			`unread_count` = `unread_count` + (NEW.`seen` = 0),
			`first_message_at` = min(`first_message_at`, NEW.`received_at`),
			`last_message_at` = max(`last_message_at`, NEW.`received_at`);
END;
--> statement-breakpoint
INSERT INTO `threads` (`id`, `tenant_id`, `mailbox_id`, `subject`, `message_count`, `unread_count`,
		`first_message_at`, `last_message_at`)
	SELECT `thread_id`, `tenant_id`, `mailbox_id`, `subject`, count(*), sum(`seen` = 0), min(`received_at`), max(`received_at`)
	FROM `messages` WHERE `thread_id` IS NOT NULL AND `quarantined` = 0 GROUP BY `thread_id`;
