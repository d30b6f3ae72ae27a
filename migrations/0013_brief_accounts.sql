-- A brief names the connected account it is about (for an own account in live mode it must).
ALTER TABLE tiktok_briefs ADD COLUMN account_id uuid REFERENCES tiktok_accounts(id) ON DELETE SET NULL;
