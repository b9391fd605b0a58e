//! The binary as a user runs it: exit statuses and error output.
