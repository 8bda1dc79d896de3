ALTER TABLE `tenants` ADD `link_key` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `link_key_rotated_at` integer;--> statement-breakpoint
-- Every tenant that exists gets its link key now (new tenants get one when created), so nothing has to write one later.
UPDATE `tenants` SET `link_key` = 'olk_' || lower(hex(randomblob(32))) WHERE `link_key` IS NULL;
