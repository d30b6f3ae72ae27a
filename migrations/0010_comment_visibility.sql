-- Comments reach us as Business `comment.update` events whose `comment_action` says what
-- happened (insert, delete, set_to_hidden, set_to_friends_only, set_to_public). Visibility is
-- kept apart from the triage status, so a hidden or deleted comment keeps its history and is
-- never triaged or answered.
ALTER TABLE tiktok_comments ADD COLUMN visibility text NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'hidden', 'friends_only', 'deleted'));
ALTER TABLE tiktok_comments ADD COLUMN video_external_id text;
