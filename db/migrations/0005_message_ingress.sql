ALTER TABLE `messages` ADD `ingress` text DEFAULT 'smtp' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `ingress_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_ingress_key_idx` ON `messages` (`tenant_id`,`mailbox_id`,`ingress_key`);