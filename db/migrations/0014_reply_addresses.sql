ALTER TABLE `messages` ADD `reply_ref` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `reply_key` text;--> statement-breakpoint
UPDATE `tenants` SET `reply_key` = 'ork_' || lower(hex(randomblob(32))) WHERE `reply_key` IS NULL;
