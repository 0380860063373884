"""The archive's append-only guard, shared by its migration and by replay's switch-over."""

APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER event_archive_append_only BEFORE UPDATE OR DELETE ON event_archive "
    "FOR EACH ROW EXECUTE FUNCTION event_archive_is_append_only()",
    "CREATE TRIGGER event_archive_no_truncate BEFORE TRUNCATE ON event_archive "
    "FOR EACH STATEMENT EXECUTE FUNCTION event_archive_is_append_only()",
)
