ALTER TABLE `domains` ADD `verified_at` integer;--> statement-breakpoint
ALTER TABLE `domains` ADD `verification_token` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Domains that existed before verification was required keep receiving mail: they count as verified.
UPDATE `domains` SET `verified_at` = `created_at` WHERE `verified_at` IS NULL;
