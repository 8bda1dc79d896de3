ALTER TABLE `messages` ADD `kind` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_subject` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `participants` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `text_source` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `derived` text;--> statement-breakpoint
CREATE INDEX `messages_message_id_idx` ON `messages` (`tenant_id`,`mailbox_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `messages_thread_subject_idx` ON `messages` (`tenant_id`,`mailbox_id`,`thread_subject`);--> statement-breakpoint
CREATE INDEX `messages_thread_idx` ON `messages` (`tenant_id`,`mailbox_id`,`thread_id`);--> statement-breakpoint
-- Mail stored before: each message its own thread until `omnimail messages reparse` groups it.
UPDATE `messages` SET `thread_id` = 'thr_' || substr(`id`, 5) WHERE `thread_id` IS NULL;
