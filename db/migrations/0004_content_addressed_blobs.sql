-- Message bytes and attachment bytes move to `blobs`, keyed by content, so one
-- DATA to many mailboxes stores them once and each copy refers to them.
-- Written by hand: drizzle-kit would rebuild `messages`, which renumbers its
-- rowids and with them the contentless full-text index (messages_fts).
-- Raw bytes stored before this migration keep a key made from their message
-- id ('msg:<id>'); attachments already carry their sha256.
CREATE TABLE `blobs` (
	`key` text PRIMARY KEY NOT NULL,
	`size` integer NOT NULL,
	`content` blob NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `raw_blob` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `attachments` ADD `blob_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
INSERT OR IGNORE INTO `blobs` (`key`, `size`, `content`, `created_at`)
	SELECT 'msg:' || `id`, length(`raw`), `raw`, `received_at` FROM `messages`;--> statement-breakpoint
UPDATE `messages` SET `raw_blob` = 'msg:' || `id`;--> statement-breakpoint
INSERT OR IGNORE INTO `blobs` (`key`, `size`, `content`, `created_at`)
	SELECT `sha256`, `size`, `content`, 0 FROM `attachments`;--> statement-breakpoint
UPDATE `attachments` SET `blob_key` = `sha256`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `raw`;--> statement-breakpoint
ALTER TABLE `attachments` DROP COLUMN `content`;--> statement-breakpoint
CREATE INDEX `messages_raw_blob_idx` ON `messages` (`raw_blob`);--> statement-breakpoint
CREATE INDEX `attachments_blob_idx` ON `attachments` (`blob_key`);
