//! Integration tests for claimguard.
