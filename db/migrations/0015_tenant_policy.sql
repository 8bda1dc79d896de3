CREATE TABLE `rejections` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`at` integer NOT NULL,
	`stage` text NOT NULL,
	`code` integer NOT NULL,
	`enhanced_code` text NOT NULL,
	`reason` text NOT NULL,
	`detail` text NOT NULL,
	`mail_from` text,
	`rcpt_to` text,
	`client_ip` text,
	`dropped` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rejections_tenant_idx` ON `rejections` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `rejections_at_idx` ON `rejections` (`at`);--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`priority` integer NOT NULL,
	`scope_mailbox_id` text,
	`scope_domain_id` text,
	`match_sender` text,
	`match_sender_domain` text,
	`match_client_ip` text,
	`match_rcpt` text,
	`action` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rules_tenant_idx` ON `rules` (`tenant_id`,`priority`);--> statement-breakpoint
CREATE TABLE `tenant_usage` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`messages` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `quarantined` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `domains` ADD `rcpt_hook` text;--> statement-breakpoint
ALTER TABLE `domains` ADD `rcpt_hook_secret` text;--> statement-breakpoint
ALTER TABLE `mailboxes` ADD `retention_days` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_messages` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_bytes` integer;--> statement-breakpoint
-- Usage for quotas, kept in the commits that store and delete mail (db/schema/policy.ts).
CREATE TRIGGER `messages_usage_insert` AFTER INSERT ON `messages`
BEGIN
	INSERT INTO `tenant_usage` (`tenant_id`, `messages`, `bytes`) VALUES (NEW.`tenant_id`, 1, NEW.`size`)
		ON CONFLICT (`tenant_id`) DO UPDATE SET `messages` = `messages` + 1, `bytes` = `bytes` + excluded.`bytes`;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_usage_delete` AFTER DELETE ON `messages`
BEGIN
	UPDATE `tenant_usage` SET `messages` = `messages` - 1, `bytes` = `bytes` - OLD.`size`
		WHERE `tenant_id` = OLD.`tenant_id`;
END;
--> statement-breakpoint
INSERT INTO `tenant_usage` (`tenant_id`, `messages`, `bytes`)
	SELECT `tenant_id`, count(*), coalesce(sum(`size`), 0) FROM `messages` GROUP BY `tenant_id`;
